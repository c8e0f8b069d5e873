"""The sandbox's seccomp filter: written by libseccomp where it is installed, else the hand-made one.
Both are installed in a real child process here and must deny the same calls."""

import json
import platform
import subprocess
import sys

import pytest

from apps.utils import seccomp
from apps.utils.seccomp_fallback import SYSCALL_TABLES, hand_built_filter

pytestmark = pytest.mark.skipif(platform.system() != "Linux", reason="seccomp is Linux's")

needs_libseccomp = pytest.mark.skipif(seccomp.libseccomp() is None, reason="libseccomp is not installed")

# Installs the filter given as hex (as apps/pipelines/sandbox/child.py does), then tries each call.
PROBE = r"""
import ctypes, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
program = bytes.fromhex(sys.argv[1])
buffer = ctypes.create_string_buffer(program, len(program))
class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
zero = ctypes.c_ulong(0)
assert libc.prctl(38, ctypes.c_ulong(1), zero, zero, zero) == 0  # PR_SET_NO_NEW_PRIVS
assert libc.prctl(22, ctypes.c_ulong(2), ctypes.byref(fprog), zero, zero) == 0  # PR_SET_SECCOMP, FILTER
def attempt(call):
    try:
        call()
        return "allowed"
    except PermissionError:
        return "denied"
results = {
    "socket": attempt(lambda: socket.socket()),
    "fork": attempt(os.fork),
    "kill_parent": attempt(lambda: os.kill(os.getppid(), 0)),
    "unshare": attempt(lambda: os.unshare(os.CLONE_NEWUSER)) if hasattr(os, "unshare") else "denied",
    "getpid": attempt(os.getpid),
    "read_file": attempt(lambda: open(os.__file__).read(10)),
}
print(json.dumps(results), flush=True)
os.execv(sys.executable, [sys.executable, "-c", "print('exec')"])
"""


def probe(program: bytes) -> tuple[dict, list[str]]:
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-c", PROBE, program.hex()], capture_output=True, timeout=20, check=False
    )
    first, *rest = completed.stdout.decode().splitlines()
    return json.loads(first), rest


def written_by_libseccomp(names: list[str]) -> bytes:
    binding = seccomp.libseccomp()
    assert binding is not None
    return seccomp.libseccomp_filter(binding, names)


def filters() -> list:
    built = [pytest.param(hand_built_filter, id="hand-made fallback")]
    if seccomp.libseccomp() is not None:
        built.insert(0, pytest.param(written_by_libseccomp, id="libseccomp"))
    return built


@pytest.mark.parametrize("make", filters())
def test_the_filter_denies_escapes_and_allows_ordinary_work(make):
    program = make(seccomp.denied_syscalls())
    if program is None:
        pytest.skip(f"no hand-made table for {platform.machine()}")
    results, after = probe(program)
    assert results == {
        "socket": "denied",
        "fork": "denied",
        "kill_parent": "denied",
        "unshare": "denied",
        "getpid": "allowed",
        "read_file": "allowed",
    }
    assert after == []  # exec denied: the probe is still the process that printed


@pytest.mark.parametrize("make", filters())
def test_the_readers_filter_leaves_exec_to_bwrap(make):
    program = make(seccomp.denied_syscalls(allow_exec=True))
    if program is None:
        pytest.skip(f"no hand-made table for {platform.machine()}")
    results, after = probe(program)
    assert results["socket"] == "denied"
    assert after == ["exec"]


@needs_libseccomp
def test_libseccomp_writes_the_filter_where_it_is_installed():
    assert seccomp.build_filter() == written_by_libseccomp(seccomp.denied_syscalls())
    assert seccomp.build_filter() != hand_built_filter(seccomp.denied_syscalls())


def test_without_libseccomp_the_hand_made_filter_stands_in(monkeypatch):
    monkeypatch.setattr(seccomp, "libseccomp", lambda: None)
    assert seccomp.build_filter() == hand_built_filter(seccomp.denied_syscalls())
    assert seccomp.build_filter(allow_exec=True) == hand_built_filter(seccomp.denied_syscalls(allow_exec=True))


def test_the_hand_made_tables_know_every_denied_call():
    for machine, (_, numbers) in SYSCALL_TABLES.items():
        missing = set(seccomp.DENIED_SYSCALLS) - set(numbers)
        assert missing <= {"fork", "vfork"}, machine  # aarch64 has only clone
