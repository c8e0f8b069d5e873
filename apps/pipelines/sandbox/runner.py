"""Run a team's Python code in a fresh, locked-down interpreter and return what `main` returned.

Layers, outermost first (each holds if the ones inside it are bypassed):
- a separate process in its own session, killed as a group at the wall-clock deadline;
- bubblewrap (apps/utils/os_sandbox.py): a file system view of the Python runtime only (read-only),
  a private empty /tmp, new user/pid/net/ipc/uts namespaces, no capabilities. This is the boundary: a
  language-level escape finds no project file, no upload, no secret and no network;
- empty environment, no inherited descriptors but three pipes, an empty private working directory;
- in the child (child.py): RLIMIT_CPU / AS / NPROC=0 / FSIZE=0 / NOFILE / CORE=0, no-new-privs and a
  seccomp filter denying sockets, fork/clone/exec, signals to other processes, tracing and namespaces;
  without bwrap also a network namespace where permitted and uid "nobody" when started as root;
- a restricted namespace: checked and rewritten code (checker.py), guarded builtins and imports.
The child reaches data and the network only by asking this process over the pipe (helpers.py).
Without a working bwrap, production refuses to run code (SANDBOX_ALLOW_WITHOUT_BWRAP opts out).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import marshal
import math
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from apps.pipelines.sandbox.channel import Channel, DeadlineReached, MessageTooLarge, ProtocolViolation
from apps.pipelines.sandbox.checker import compile_user_code
from apps.pipelines.sandbox.errors import (
    CodeFailed,
    CodeMemoryExceeded,
    CodeNotAllowed,
    CodeTimeout,
    HelperError,
    InvalidCode,
    OutputTooLarge,
    SandboxDisabled,
    SandboxError,
)
from apps.pipelines.sandbox.helpers import HELPER_NAMES, HTTP_HELPERS, HelperHost
from apps.pipelines.sandbox.limits import DEFAULT_LIMITS, SandboxLimits
from apps.pipelines.sandbox.policy import CODE_FILENAME, child_policy
from apps.utils import storable
from apps.utils.os_sandbox import SandboxUnavailable, exit_status, python_binary, require_bwrap, sandboxed_command
from apps.utils.seccomp import build_filter

logger = logging.getLogger(__name__)

CHILD_SCRIPT = Path(__file__).with_name("child.py")
CHILD_IN_SANDBOX = "/sandbox/child.py"  # where bwrap shows that one file (read-only) to the child
# What bwrap adds, for the layer report (the child cannot see these from inside).
BWRAP_LAYERS = ("bwrap-filesystem", "user-namespace", "pid-namespace", "network-namespace", "ipc-namespace")
# -I: no environment variables, user site or script directory on sys.path; -S: no site-packages;
# -B: no .pyc writes (RLIMIT_FSIZE would refuse them anyway); utf8: one encoding whatever the locale.
INTERPRETER_FLAGS = ("-I", "-S", "-B", "-X", "utf8")
_PROTOCOL_OVERHEAD_BYTES = 64_000
_SECCOMP_FILTER = build_filter()
_layers_reported = False


def run_user_code(
    code: str,
    input: str,
    *,
    host: HelperHost,
    limits: SandboxLimits = DEFAULT_LIMITS,
    language_layer: bool = True,
) -> str:
    """Run `main(input)` from `code` in the sandbox and return its result as a string.

    Raises a SandboxError subclass (the message is for the user), AbortPipeline when the code called
    abort_with_message, or whatever the host raised for a platform failure (database down).
    `language_layer=False` is for tests only: plain Python with the real builtins inside the same OS
    sandbox, to show that the OS layers hold by themselves."""
    try:
        use_bwrap = require_bwrap(purpose="Running Python code")
    except SandboxUnavailable as error:
        raise SandboxDisabled(str(error)) from None
    if language_layer:
        compiled = compile_user_code(code)  # InvalidCode / CodeNotAllowed before any process starts
        code_bytes, imports = compiled.code, list(compiled.imports)
    else:
        code_bytes, imports = marshal.dumps(compile(code, CODE_FILENAME, "exec", dont_inherit=True)), []
    request = {
        "code": code_bytes,
        "imports": imports,
        "unrestricted": not language_layer,
        "input": input,
        "policy": child_policy(),
        "helpers": list(HELPER_NAMES),
        "max_output_bytes": limits.max_output_bytes,
        "max_log_bytes": limits.max_log_bytes,
        "os": child_os_config(limits, bwrap=use_bwrap),
    }
    with tempfile.TemporaryDirectory(prefix="sandbox-") as workdir:
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            child_command(bwrap=use_bwrap),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            cwd=workdir,
            close_fds=True,
            start_new_session=True,  # its own process group, so one killpg ends anything it started
        )
        channel = Channel(
            process,
            deadline=started + limits.wall_seconds,
            # JSON escapes control characters as \u00XX: six bytes for one in the worst case.
            max_line_bytes=(limits.max_output_bytes + limits.max_log_bytes) * 6 + _PROTOCOL_OVERHEAD_BYTES,
        )
        try:
            channel.send(request)
            return _converse(channel, process, host, limits, started, bwrap=use_bwrap)
        except DeadlineReached:
            raise CodeTimeout(f"The code ran longer than {_seconds(limits.wall_seconds)} s") from None
        except MessageTooLarge:
            # Results and print() output are capped in the child, so this is a helper call's arguments.
            raise OutputTooLarge(
                f"The code passed more than {_megabytes(channel.max_line_bytes)} MB to a helper"
            ) from None
        except ProtocolViolation as violation:
            logger.warning("Sandbox child broke the protocol: %s", violation)
            raise CodeFailed("The code stopped unexpectedly (it broke the sandbox protocol)") from None
        finally:
            _kill(process)
            channel.close()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream:
                    stream.close()


def child_command(*, bwrap: bool) -> list[str]:
    """The child's command line: under bwrap it sees the interpreter and child.py, nothing else."""
    if not bwrap:
        return [sys.executable, *INTERPRETER_FLAGS, str(CHILD_SCRIPT)]
    return sandboxed_command(
        [python_binary(), *INTERPRETER_FLAGS, CHILD_IN_SANDBOX], read_only=[(str(CHILD_SCRIPT), CHILD_IN_SANDBOX)]
    )


def child_os_config(limits: SandboxLimits, *, bwrap: bool = False) -> dict[str, Any]:
    """What the child applies to itself before running user code (child.py `_lock_down`). Under bwrap
    the uid drop and the network namespace are bwrap's: only uid "nobody" is mapped in its user
    namespace (so setuid would fail), and nested namespaces are disabled."""
    return {
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "max_open_files": limits.max_open_files,
        "run_as": None if bwrap else _unprivileged_ids(),
        "unshare_network": not bwrap,
        "seccomp": _SECCOMP_FILTER.hex() if _SECCOMP_FILTER else None,
    }


def _converse(
    channel: Channel,
    process: subprocess.Popen[bytes],
    host: HelperHost,
    limits: SandboxLimits,
    started: float,
    *,
    bwrap: bool,
) -> str:
    helper_calls = http_requests = 0
    while True:
        message = channel.receive()
        if message is None:
            raise _error_for_exit(process, channel, limits, started, bwrap=bwrap)
        op = message.get("op")
        if op == "call":
            helper_calls += 1
            http_requests += message.get("name") in HTTP_HELPERS
            if helper_calls > limits.max_helper_calls:
                reply = _refusal(f"The code called helpers more than {limits.max_helper_calls} times")
            elif http_requests > limits.max_http_requests:
                reply = _refusal(f"The code made more than {limits.max_http_requests} HTTP requests")
            else:
                reply = _dispatch(host, message, remaining=channel.deadline - time.monotonic())
            channel.send(reply)
            continue
        logs = message.get("logs")
        if isinstance(logs, str) and logs:
            host.log(_valid_text(logs[: limits.max_log_bytes * 2]))
        layers = message.get("layers")
        _report_layers([*BWRAP_LAYERS, *layers] if bwrap and isinstance(layers, list) else layers)
        if op == "result" and isinstance(message.get("value"), str):
            return _valid_text(message["value"])
        if op == "error":
            raise _error_for_report(message, limits)
        raise ProtocolViolation(f"unknown message {op!r}")


def _report_layers(layers: Any) -> None:
    """Say once per process which OS layers the children get, loudly if a core one is missing."""
    global _layers_reported
    if _layers_reported or not isinstance(layers, list):
        return
    _layers_reported = True
    missing = {"bwrap-filesystem", "rlimits", "no-new-privs", "seccomp"} - set(layers)
    log = logger.warning if missing else logger.info
    log("Sandbox OS layers in effect: %s; missing: %s", ", ".join(map(str, layers)), ", ".join(missing) or "none")


def _dispatch(host: HelperHost, message: dict[str, Any], *, remaining: float) -> dict[str, Any]:
    name, args, kwargs = message.get("name"), message.get("args"), message.get("kwargs")
    if name not in HELPER_NAMES or not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ProtocolViolation(f"a malformed helper call to {name!r}")
    method = getattr(host, name)
    try:
        args, kwargs = _valid_json(args), _valid_json(kwargs)
    except RecursionError:
        return {"error": {"type": "TypeError", "message": f"{name}(): the arguments are nested too deeply"}}
    try:
        inspect.signature(method).bind(*args, **kwargs)
    except TypeError as error:
        return {"error": {"type": "TypeError", "message": f"{name}(): {error}"}}
    if name in HTTP_HELPERS:
        timeout = kwargs.get("timeout") or host.http_timeout
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not math.isfinite(timeout):
            return {"error": {"type": "TypeError", "message": f"{name}(): timeout must be a number of seconds"}}
        kwargs["timeout"] = max(0.1, min(float(timeout), host.http_timeout, remaining))
    try:
        result = method(*args, **kwargs)
    except HelperError as error:
        return _refusal(str(error))
    # Through JSON so the reply holds only what marshal can carry (a host may return dates or Decimals).
    return {"ok": json.loads(json.dumps(result, default=str))}


def _valid_text(text: str) -> str:
    # NUL and lone surrogates survive JSON but not the database (nor UTF-8): the code's output,
    # state, tags and logs are scrubbed, so the run and its trace are still stored.
    return storable.scrub_text(text)


def _valid_json(value: Any) -> Any:
    return storable.scrub(value)


def _refusal(message: str) -> dict[str, Any]:
    return {"error": {"type": "HelperError", "message": message}}


def _error_for_report(message: dict[str, Any], limits: SandboxLimits) -> SandboxError:
    kind = message.get("kind")
    text = _valid_text(str(message.get("message") or "")[:2_000])
    line = message.get("line") if isinstance(message.get("line"), int) else None
    if kind == "memory":
        return CodeMemoryExceeded(f"The code used more than {limits.memory_mb} MB", line=line)
    if kind == "not_allowed":
        return CodeNotAllowed(text, line=line)
    if kind == "invalid":
        return InvalidCode(text)
    if kind == "output":
        return OutputTooLarge(f"The code returned more than {_megabytes(limits.max_output_bytes)} MB")
    return CodeFailed(text or "The code failed", line=line)


def _error_for_exit(
    process: subprocess.Popen[bytes], channel: Channel, limits: SandboxLimits, started: float, *, bwrap: bool
) -> SandboxError:
    """The child closed its pipe without a report: find out how it died."""
    try:
        code = process.wait(timeout=max(0.05, channel.deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return CodeTimeout(f"The code ran longer than {_seconds(limits.wall_seconds)} s")
    if bwrap:
        code = exit_status(code)
    stderr = channel.stderr.decode("utf-8", "replace")
    logger.info("Sandbox child exited with %s: %s", code, stderr[-2_000:])
    elapsed = time.monotonic() - started
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and elapsed >= limits.cpu_seconds + 1):
        return CodeTimeout(f"The code ran longer than {limits.cpu_seconds} s")
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr or code == -signal.SIGKILL:
        return CodeMemoryExceeded(f"The code used more than {limits.memory_mb} MB")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return CodeFailed(f"The code stopped unexpectedly ({name})")
    return CodeFailed(f"The code stopped unexpectedly (exit code {code})")


def _kill(process: subprocess.Popen[bytes]) -> None:
    # Only while the child is unreaped: until then its pid (= its group id) cannot be reused, so the
    # signal can only reach the sandbox. Once reaped, the group is empty (the child cannot fork).
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _unprivileged_ids() -> list[int] | None:
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("nobody")
        return [entry.pw_uid, entry.pw_gid]
    except KeyError:
        return [65534, 65534]


def _seconds(value: float) -> str:
    return f"{value:g}"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.3g}"
