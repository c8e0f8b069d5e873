"""The text of an uploaded file, for the pipeline: plain text and text-like files as they are; PDF,
Word and Excel documents through the readers in `document_readers.py`, each in a child process that
limits its own CPU time and memory and that is killed at a wall-clock deadline. Participants upload
these files, and a small one can unpack to gigabytes or keep a parser busy for minutes; in a child,
such a file costs at most the limits, never the web process.

A file that cannot be read (damaged, over a limit, too slow) gives None, so the pipeline is told only
its name, and a logged warning: a broken attachment must never stop a reply."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from apps.files import document_readers
from apps.files.content_types import is_text
from apps.files.document_readers import READERS, cut
from apps.files.models import File
from apps.utils.db import release_connection
from apps.utils.os_sandbox import python_binary, require_bwrap, sandboxed_command
from apps.utils.seccomp import build_filter

logger = logging.getLogger(__name__)

WALL_SECONDS = 20  # the child limits its CPU to 10 s; this also covers its start and a stalled read
_REPO_ROOT = Path(__file__).resolve().parents[2]
_CHILDREN = threading.BoundedSemaphore(2)
_CHILD_ENV = {"PATH": os.defpath, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
# Under bwrap the reader sees the interpreter, the installed packages (pypdf, python-docx, openpyxl and
# their dependencies) and its own file, all read-only: not the project, its settings or any upload.
_SANDBOX_READER = "/sandbox/document_readers.py"
_SECCOMP_FILTER = build_filter(allow_exec=True)  # bwrap installs it right before it execs the reader


def extract_text(file: File, content_type: str, limit: int) -> str | None:
    """At most `limit` characters of the file's text (marked when cut), or None when this kind of
    file has no readable text here or the file could not be read."""
    if content_type not in READERS and not is_text(content_type):
        return None
    try:
        with file.file.open("rb") as handle:
            if content_type not in READERS:
                return cut(handle.read(limit * 4 + 4).decode("utf-8", errors="replace"), limit)  # <= 4 bytes a char
            content = handle.read()
        text = _read_in_child(content, content_type, limit)
    except Exception as error:  # noqa: BLE001 - storage, child or parser: the file is then only named
        logger.warning("Could not read the text of file %s (%s): %s", file.pk, content_type, error)
        return None
    return text if text.strip() else None  # e.g. a scanned PDF: pages of images, no text


def _read_in_child(content: bytes, content_type: str, limit: int) -> str:
    release_connection()  # nothing is held while the child parses
    # At most a few children at once per process, each within its own memory limit.
    if not _CHILDREN.acquire(timeout=WALL_SECONDS):
        raise ValueError("every document reader is busy")
    try:
        return _run_child(content, content_type, limit)
    finally:
        _CHILDREN.release()


def _run_child(content: bytes, content_type: str, limit: int) -> str:
    if not require_bwrap(purpose="Reading documents"):  # SandboxUnavailable: the file is then only named
        return _run(
            [sys.executable, "-m", "apps.files.document_readers", content_type, str(limit)], content, pass_fds=()
        )
    read_end, write_end = os.pipe()
    try:
        if _SECCOMP_FILTER:
            os.write(write_end, _SECCOMP_FILTER)  # a few hundred bytes: fits the pipe's buffer
        os.close(write_end)
        command = sandboxed_reader_command(
            ["-c", _boot_code(), content_type, str(limit)], seccomp_fd=read_end if _SECCOMP_FILTER else None
        )
        return _run(command, content, pass_fds=(read_end,))
    finally:
        os.close(read_end)


def sandboxed_reader_command(arguments: list[str], *, seccomp_fd: int | None) -> list[str]:
    """The interpreter under bwrap with `arguments`, seeing the installed packages (pypdf, python-docx,
    openpyxl and their dependencies) and document_readers.py, all read-only: not the project, its
    settings or any upload. The tests run probes through this same view."""
    return sandboxed_command(
        [python_binary(), "-I", "-S", "-B", *arguments],
        read_only=[*_package_binds().items(), (str(Path(document_readers.__file__).resolve()), _SANDBOX_READER)],
        seccomp_fd=seccomp_fd,
        # openpyxl imports numpy when it is installed; OpenBLAS would start threads (clone is denied).
        env={**_CHILD_ENV, "OPENBLAS_NUM_THREADS": "1"},
    )


def _package_binds() -> dict[str, str]:
    """host site-packages -> where the reader sees it (a venv has one; a system Python may have two)."""
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return {path: f"/sandbox/packages{index}" for index, path in enumerate(paths)}


def _boot_code() -> str:
    # -I -S leave site-packages off sys.path: add the bound copies, then run the reader as __main__.
    return (
        f"import runpy, sys; sys.path[:0] = {sorted(_package_binds().values())!r}; "
        f"runpy.run_path({_SANDBOX_READER!r}, run_name='__main__')"
    )


def _run(command: list[str], content: bytes, *, pass_fds: tuple[int, ...]) -> str:
    result = subprocess.run(  # noqa: S603 - our own module, arguments we chose
        command,
        input=content,
        capture_output=True,
        timeout=WALL_SECONDS,
        cwd=_REPO_ROOT,
        env=_CHILD_ENV,  # none of the server's secrets: the child parses strangers' files
        pass_fds=pass_fds,
        check=False,
    )
    if result.returncode != 0:
        last_line = (result.stderr.decode(errors="replace").strip().splitlines() or ["killed"])[-1]
        raise ValueError(f"the reader failed ({result.returncode}): {last_line[:300]}")
    return result.stdout.decode("utf-8", errors="replace")
