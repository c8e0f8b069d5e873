"""The hand-assembled seccomp-BPF filter: the fallback of apps/utils/seccomp.py where libseccomp is
not installed (no libseccomp.so.2; pyseccomp needs it). It denies the same calls (DENIED_SYSCALLS there),
but only where we keep a syscall table here (Linux x86_64 and aarch64): elsewhere there is no filter.

Program layout: check the architecture (another ABI, such as i386 through int 0x80, kills the process),
load the syscall number, refuse x32 numbers on x86_64, one comparison per denied call jumping to
ERRNO(EPERM), else ALLOW. libseccomp writes the same shape, and keeps the tables for every kernel."""

from __future__ import annotations

import errno
import platform
import struct
from collections.abc import Iterable

# Linux UAPI constants (linux/filter.h, linux/seccomp.h, linux/audit.h).
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_SECCOMP_RET_KILL_PROCESS = 0x80000000
_SECCOMP_RET_ERRNO = 0x00050000
_SECCOMP_RET_ALLOW = 0x7FFF0000
_OFFSET_NR = 0
_OFFSET_ARCH = 4
_X32_SYSCALL_BIT = 0x40000000

# Per architecture: (AUDIT_ARCH value, syscall numbers by name).
SYSCALL_TABLES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "socket": 41,
            "socketpair": 53,
            "connect": 42,
            "bind": 49,
            "listen": 50,
            "accept": 43,
            "accept4": 288,
            "clone": 56,
            "clone3": 435,
            "fork": 57,
            "vfork": 58,
            "execve": 59,
            "execveat": 322,
            "kill": 62,
            "tkill": 200,
            "tgkill": 234,
            "rt_sigqueueinfo": 129,
            "rt_tgsigqueueinfo": 297,
            "ptrace": 101,
            "process_vm_readv": 310,
            "process_vm_writev": 311,
            "kcmp": 312,
            "pidfd_open": 434,
            "pidfd_getfd": 438,
            "pidfd_send_signal": 424,
            "unshare": 272,
            "setns": 308,
            "mount": 165,
            "umount2": 166,
            "pivot_root": 155,
            "chroot": 161,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "bpf": 321,
            "perf_event_open": 298,
            "userfaultfd": 323,
            "keyctl": 250,
            "add_key": 248,
            "request_key": 249,
            "open_by_handle_at": 304,
            "name_to_handle_at": 303,
            "init_module": 175,
            "finit_module": 313,
            "delete_module": 176,
            "kexec_load": 246,
            "reboot": 169,
        },
    ),  # fmt: skip
    "aarch64": (
        0xC00000B7,
        {
            "socket": 198,
            "socketpair": 199,
            "connect": 203,
            "bind": 200,
            "listen": 201,
            "accept": 202,
            "accept4": 242,
            "clone": 220,
            "clone3": 435,
            "execve": 221,
            "execveat": 281,
            "kill": 129,
            "tkill": 130,
            "tgkill": 131,
            "rt_sigqueueinfo": 138,
            "rt_tgsigqueueinfo": 240,
            "ptrace": 117,
            "process_vm_readv": 270,
            "process_vm_writev": 271,
            "kcmp": 272,
            "pidfd_open": 434,
            "pidfd_getfd": 438,
            "pidfd_send_signal": 424,
            "unshare": 97,
            "setns": 268,
            "mount": 40,
            "umount2": 39,
            "pivot_root": 41,
            "chroot": 51,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "bpf": 280,
            "perf_event_open": 241,
            "userfaultfd": 282,
            "keyctl": 219,
            "add_key": 217,
            "request_key": 218,
            "open_by_handle_at": 265,
            "name_to_handle_at": 264,
            "init_module": 105,
            "finit_module": 273,
            "delete_module": 106,
            "kexec_load": 104,
            "reboot": 142,
        },
    ),  # fmt: skip
}


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)  # struct sock_filter


def hand_built_filter(denied_names: Iterable[str], machine: str | None = None) -> bytes | None:
    """The filter program (struct sock_filter[]) denying `denied_names` on `machine` (this one by
    default), or None where we have no syscall table. Names the table lacks (fork on aarch64, which
    has only clone) are not calls of that machine."""
    machine = machine or platform.machine()
    if platform.system() != "Linux" or machine not in SYSCALL_TABLES:
        return None
    audit_arch, numbers = SYSCALL_TABLES[machine]
    denied = sorted({numbers[name] for name in denied_names if name in numbers})
    program = [
        _instruction(_BPF_LD_W_ABS, _OFFSET_ARCH),
        _instruction(_BPF_JEQ_K, audit_arch, jt=1),
        _instruction(_BPF_RET_K, _SECCOMP_RET_KILL_PROCESS),  # another ABI (i386 via int 0x80): no table
        _instruction(_BPF_LD_W_ABS, _OFFSET_NR),
    ]
    checks = len(denied) + (1 if machine == "x86_64" else 0)
    # Jump targets are relative: each check jumps over the remaining checks and the ALLOW to the ERRNO.
    if machine == "x86_64":
        program.append(_instruction(_BPF_JGE_K, _X32_SYSCALL_BIT, jt=checks))  # x32 ABI numbers
    for number in denied:
        remaining = checks - (len(program) - 4) - 1
        program.append(_instruction(_BPF_JEQ_K, number, jt=remaining + 1))
    program.append(_instruction(_BPF_RET_K, _SECCOMP_RET_ALLOW))
    program.append(_instruction(_BPF_RET_K, _SECCOMP_RET_ERRNO | errno.EPERM))
    return b"".join(program)
