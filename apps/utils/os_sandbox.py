"""The operating-system boundary around untrusted work: bubblewrap (`bwrap`, Debian package `bubblewrap`).

A child started through `sandboxed_command` sees a root file system that holds only the Python runtime
(read-only), a private empty /tmp, a fresh /proc of its own pid namespace and a minimal /dev; it has its
own user, pid, network, ipc and uts namespaces, no capabilities, no environment, and cannot create
further user namespaces. So code that gets past the Python layer of the code node (child.py), or an
exploit of a document parser, finds no project file, no upload of any team, no secret and no network:
they are not there. bwrap needs no root and no setuid bit where the kernel allows unprivileged user
namespaces (Debian's default); as root it works too.

Where bwrap is missing or cannot create namespaces, production refuses to run code nodes and document
readers unless the operator opts out with SANDBOX_ALLOW_WITHOUT_BWRAP; development warns once.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SANDBOX_UID = 65534  # "nobody" inside the user namespace; the only uid mapped there
# System library folders the interpreter links against (libc, libm, libffi for ctypes, libz...). They
# hold no secrets; on merged-/usr systems /lib and /lib64 are symlinks into /usr and are recreated so.
_LIBRARY_DIRS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32")
_OPTIONAL_DATA = ("/usr/share/zoneinfo",)  # the `zoneinfo` module reads the system time-zone database
_warned = False


class SandboxUnavailable(Exception):
    """bwrap is missing (or cannot create namespaces) and the deployment did not opt out of it."""


def find_bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def bwrap_works() -> bool:
    """Whether bwrap is installed and can create the namespaces we ask for on this kernel (a container
    may forbid user namespaces). Checked once per process: one `true` run in the sandbox, ~5 ms."""
    executable = find_bwrap()
    if executable is None:
        return False
    probe = python_binary()
    try:
        completed = subprocess.run(  # noqa: S603 - our own fixed arguments
            sandboxed_command([probe, "-I", "-S", "-c", "pass"], bwrap=executable),
            capture_output=True,
            env={},
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("bubblewrap (%s) cannot start: %s", executable, error)
        return False
    if completed.returncode != 0:
        logger.warning("bubblewrap (%s) cannot create a sandbox here: %s", executable, completed.stderr[-500:])
        return False
    return True


def require_bwrap(*, purpose: str) -> bool:
    """True when children must be started through bwrap. Without a working bwrap: raise
    SandboxUnavailable unless SANDBOX_ALLOW_WITHOUT_BWRAP is on, else warn once and return False."""
    global _warned
    if bwrap_works():
        return True
    if not _allowed_without_bwrap():
        raise SandboxUnavailable(
            f"{purpose} is disabled on this server: bubblewrap (bwrap) is not installed or cannot create "
            "namespaces. Install the 'bubblewrap' package, or set SANDBOX_ALLOW_WITHOUT_BWRAP=true to accept "
            "a sandbox without an operating-system boundary."
        )
    if not _warned:
        _warned = True
        logger.warning(
            "bubblewrap (bwrap) is missing or unusable: user code and document readers run WITHOUT the "
            "operating-system boundary (a Python-level escape could read this user's files). Install the "
            "'bubblewrap' package."
        )
    return False


def _allowed_without_bwrap() -> bool:
    from django.conf import settings

    if not settings.configured:  # a script outside Django (bench/): a developer's machine
        return True
    return bool(getattr(settings, "SANDBOX_ALLOW_WITHOUT_BWRAP", False))


def python_binary() -> str:
    """The interpreter itself, not a virtualenv's symlink to it (the venv folder is not in the view)."""
    return os.path.realpath(sys.executable)


@dataclass(frozen=True)
class Interpreter:
    """Where the running interpreter's pieces are (tests describe another one)."""

    base_prefix: str
    binary: str
    stdlib: tuple[str, ...]  # the standard library and its C extensions (lib-dynload)
    libpython: str | None  # the shared libpython, when the binary links against one


def interpreter() -> Interpreter:
    paths = sysconfig.get_paths()
    library = sysconfig.get_config_var("LDLIBRARY") or ""
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    libpython = os.path.join(libdir, library) if library.endswith(".so") or ".so." in library else None
    dynload = sysconfig.get_config_var("DESTSHARED") or ""
    return Interpreter(
        base_prefix=os.path.realpath(sys.base_prefix),
        binary=python_binary(),
        # Not "platstdlib": in a virtualenv that is the virtualenv's folder (installed packages).
        stdlib=tuple(dict.fromkeys(path for path in (paths["stdlib"], dynload) if path)),
        libpython=libpython,
    )


# A Python installed into one of these shares it with the whole system's programs and data (/usr/share,
# /usr/bin, /usr/local/...): only the interpreter's own pieces are bound from there.
_SYSTEM_PREFIXES = ("/", "/usr", "/usr/local")


def runtime_paths(python: Interpreter | None = None) -> list[str]:
    """What the bare interpreter needs: its installation folder (binary, stdlib, libpython) when it has
    one of its own (a pyenv, python.org or Docker build); from a system prefix, only its binary,
    standard library (with lib-dynload) and libpython. System libraries come from _LIBRARY_DIRS."""
    python = python or interpreter()
    if python.base_prefix in _SYSTEM_PREFIXES:
        candidates = [python.binary, *python.stdlib, *([python.libpython] if python.libpython else [])]
        paths = {os.path.realpath(path) for path in candidates if os.path.exists(path)}
    else:
        paths = {python.base_prefix, os.path.dirname(python.binary)}
    return sorted(path for path in paths if not any(path.startswith(other + os.sep) for other in paths))


def sandboxed_command(
    argv: list[str],
    *,
    bwrap: str | None = None,
    read_only: Iterable[tuple[str, str]] = (),
    seccomp_fd: int | None = None,
    env: dict[str, str] | None = None,
) -> list[str]:
    """`argv` wrapped in bwrap. `read_only` adds (host path, sandbox path) binds, e.g. one script file;
    `seccomp_fd` is an open descriptor holding a BPF program that bwrap installs just before the exec;
    `env` is the child's whole environment (bwrap clears the rest)."""
    command = [
        bwrap or find_bwrap() or "bwrap",
        "--unshare-all",  # user (when possible), pid, net, ipc, uts, cgroup
        "--unshare-user",  # ...and user explicitly: bwrap started as root would otherwise skip it
        # No nested user namespace (how most kernel escapes start); bwrap >= 0.8 only. The seccomp
        # filters deny unshare, setns and clone as well, so older versions are still safe.
        *(["--disable-userns"] if _supports_disable_userns(bwrap or find_bwrap()) else []),
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",  # no controlling terminal to push input into (TIOCSTI)
        "--clearenv",
    ]
    for directory in _LIBRARY_DIRS:
        command += _mirror(directory)
    for path in runtime_paths():
        command += ["--ro-bind", path, path]
    for path in _OPTIONAL_DATA:
        command += ["--ro-bind-try", path, path]
    for source, target in read_only:
        command += ["--ro-bind", source, target]
    command += ["--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    for name, value in (env or {}).items():
        command += ["--setenv", name, value]
    if seccomp_fd is not None:
        command += ["--seccomp", str(seccomp_fd)]
    return [*command, "--", *argv]


@functools.cache
def _supports_disable_userns(executable: str | None) -> bool:
    if executable is None:
        return False
    try:
        completed = subprocess.run([executable, "--help"], capture_output=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"--disable-userns" in completed.stdout + completed.stderr


def _mirror(directory: str) -> list[str]:
    path = Path(directory)
    if path.is_symlink():
        return ["--symlink", os.readlink(path), directory]
    if path.is_dir():
        return ["--ro-bind", directory, directory]
    return []


def exit_status(returncode: int) -> int:
    """bwrap reports a child killed by signal N as exit status 128 + N: give it back as -N, as
    subprocess does for a direct child."""
    return -(returncode - 128) if 128 < returncode < 128 + 65 else returncode
