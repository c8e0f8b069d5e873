"""Uploads are private to the server's user: files 0600 in folders 0700 (settings
FILE_UPLOAD_PERMISSIONS and FILE_UPLOAD_DIRECTORY_PERMISSIONS). Files stored before those settings
were 0644 in 0755 folders, readable by every local account; `make_private` closes them too, once, from
a migration."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private(root: Path) -> int:
    """Every folder under `root` (and `root`) 0700 and every file 0600; how many modes changed.
    Symbolic links are left alone: their targets are not ours to change."""
    if not root.is_dir():
        return 0
    changed = _chmod(root, FOLDER_MODE)
    for folder, folders, files in os.walk(root):
        for name in folders:
            changed += _chmod(Path(folder, name), FOLDER_MODE)
        for name in files:
            changed += _chmod(Path(folder, name), FILE_MODE)
    return changed


def _chmod(path: Path, mode: int) -> int:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return 0
    path.chmod(mode)
    return 1
