"""A seccomp-BPF filter for sandboxed children: the code node's child (apps/pipelines/sandbox/child.py)
installs it itself with two prctl calls; bwrap installs it for the document readers (`--seccomp FD`).

Why: RLIMIT_NPROC does not bind root (containers often run as root), and a network namespace needs
privileges a production worker may lack. A seccomp filter needs neither, so the child gets it on any
Linux kernel: no sockets, no fork/clone/exec, no signals or tracing of other processes, no namespaces
or io_uring (which would bypass the filter). Denied calls fail with EPERM rather than killing the
process, so an escape attempt surfaces as an ordinary Python error; a call of another ABI (i386
through int 0x80, x32) kills it, since the filter cannot know its numbers.

The program is written by libseccomp (through `pyseccomp`, a ctypes binding to the system's
libseccomp.so.2), which knows every architecture's syscall numbers and ABIs. Where libseccomp is not
installed, the hand-assembled program of `seccomp_fallback` (x86_64 and aarch64 only) stands in.
Built in the parent because the child runs with only the standard library and should do as little as
possible before the user's code starts.
"""

from __future__ import annotations

import errno
import logging
import platform
import tempfile
from types import ModuleType

from apps.utils.seccomp_fallback import hand_built_filter

logger = logging.getLogger(__name__)

DENIED_SYSCALLS: tuple[str, ...] = (
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # new processes and programs
    "clone", "clone3", "fork", "vfork", "execve", "execveat",
    # signals to and tracing of other processes
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "ptrace", "process_vm_readv",
    "process_vm_writev", "kcmp", "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    # interfaces that bypass or widen the filter, and the kernel's own
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
    "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at", "init_module",
    "finit_module", "delete_module", "kexec_load", "reboot",
)  # fmt: skip

# A filter that bwrap installs (`--seccomp FD`) is in force from bwrap's own exec of the child on.
EXEC_SYSCALLS = frozenset({"execve", "execveat"})


def libseccomp() -> ModuleType | None:
    """The libseccomp binding, or None where the library (or the binding) is not installed."""
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):  # pyseccomp raises RuntimeError without libseccomp.so.2
        return None
    return pyseccomp


def denied_syscalls(*, allow_exec: bool = False) -> list[str]:
    return [name for name in DENIED_SYSCALLS if not (allow_exec and name in EXEC_SYSCALLS)]


def build_filter(*, allow_exec: bool = False) -> bytes | None:
    """The filter program (struct sock_filter[]) for this machine, or None where none can be built
    (not Linux; no libseccomp and no hand-made table for this architecture).

    `allow_exec` leaves exec allowed, for a filter installed by bwrap just before it execs the child
    (the document readers); inside bwrap's view there is nothing but the interpreter to exec."""
    if platform.system() != "Linux":
        return None
    names = denied_syscalls(allow_exec=allow_exec)
    binding = libseccomp()
    if binding is not None:
        try:
            return libseccomp_filter(binding, names)
        except OSError:
            logger.warning("libseccomp could not build the sandbox filter; using the hand-made one", exc_info=True)
    return hand_built_filter(names)


def libseccomp_filter(binding: ModuleType, names: list[str]) -> bytes:
    """The program libseccomp writes for this machine's architecture: ERRNO(EPERM) for `names`,
    ALLOW for the rest, and the process killed for a call of another ABI."""
    program = binding.SyscallFilter(binding.ALLOW)
    program.set_attr(binding.Attr.ACT_BADARCH, binding.KILL_PROCESS)
    for name in names:
        if binding.resolve_syscall(binding.Arch.NATIVE, name) < 0:
            continue  # not a call of this architecture (fork and vfork on aarch64)
        program.add_rule(binding.ERRNO(errno.EPERM), name)
    with tempfile.TemporaryFile() as exported:
        program.export_bpf(exported)
        exported.seek(0)
        return exported.read()
