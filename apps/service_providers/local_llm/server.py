"""The one local llama.cpp server that web and worker processes share.

``ensure_local_server()`` returns the running server or starts one (``python -m
apps.service_providers.local_llm.serve``) under a file lock, recording ``{"pid", "port"}`` in a state
file under ``var/run``; ``stop_local_server()`` ends it. The server exits by itself when the process
that started it ends, or, if ``LOCAL_LLM_OWNER_PID`` is set in the environment, when that process
ends (so a platform supervisor can own it rather than whichever web or worker process came first).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.service_providers.local_llm import context_size
from apps.service_providers.local_llm.model_file import MODEL_NAME, model_path

SERVE_MODULE = "apps.service_providers.local_llm.serve"
OWNER_PID_ENV = "LOCAL_LLM_OWNER_PID"
_STOP_GRACE_SECONDS = 5.0
_UNHEALTHY_PATIENCE_SECONDS = 10.0


class LocalServerError(RuntimeError):
    """The local model server could not be started."""


@dataclass(frozen=True)
class LocalServerInfo:
    base_url: str  # OpenAI-style, ends in /v1: give it to the openai SDK or ChatOpenAI as is
    model_name: str
    pid: int
    port: int

    @property
    def root_url(self) -> str:
        """The server without /v1, for llama.cpp's own endpoints (/health, /props, /tokenize)."""
        return f"http://127.0.0.1:{self.port}"


def run_dir() -> Path:
    return Path(getattr(settings, "LOCAL_LLM_RUN_DIR", settings.BASE_DIR / "var" / "run"))


def _state_file() -> Path:
    return run_dir() / "local_llm.json"


def _log_file() -> Path:
    return run_dir() / "local_llm.log"


def ensure_local_server() -> LocalServerInfo:
    """Return the healthy shared server, starting (or restarting) it if needed. Safe to call from any
    thread or process at any time; a call costs one loopback health check when the server is up."""
    info = _healthy_from_state()
    if info:
        return info
    with _locked():
        # Another process may have started it while this one waited for the lock; and a live server
        # that misses one health check under load gets a few seconds before it is replaced.
        info = _healthy_from_state(patience=_UNHEALTHY_PATIENCE_SECONDS)
        if info:
            return info
        _stop_recorded(_read_state())
        return _start()


def stop_local_server() -> bool:
    """Stop the shared server if one is recorded; True if a process was stopped."""
    with _locked():
        return _stop_recorded(_read_state())


def local_server_status() -> LocalServerInfo | None:
    """The running server, or None; never starts one."""
    return _healthy_from_state()


def _healthy_from_state(patience: float = 0.0) -> LocalServerInfo | None:
    state = _read_state()
    if not state:
        return None
    info = _info(state)
    deadline = time.monotonic() + patience
    while _is_our_server(info.pid):
        if _healthy(info.root_url):
            return info
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return None


def _info(state: dict[str, Any]) -> LocalServerInfo:
    port = int(state["port"])
    return LocalServerInfo(
        base_url=f"http://127.0.0.1:{port}/v1", model_name=state["model_name"], pid=int(state["pid"]), port=port
    )


def server_config(model_name: str, ready_file: Path) -> dict[str, Any]:
    """What serve.py is started with (settings read here, in the parent)."""
    return {
        "model_path": str(model_path()),
        "model_name": model_name,
        "chat_template": getattr(settings, "LOCAL_LLM_CHAT_TEMPLATE", "auto"),
        "context_size": context_size(),
        "parallel": int(getattr(settings, "LOCAL_LLM_PARALLEL", 2)),
        "threads": int(getattr(settings, "LOCAL_LLM_THREADS", None) or os.cpu_count() or 1),
        "repeat_penalty": float(getattr(settings, "LOCAL_LLM_REPEAT_PENALTY", 1.1)),
        "verbosity": int(getattr(settings, "LOCAL_LLM_LOG_VERBOSITY", 1)),
        "ready_file": str(ready_file),
        "owner_pid": int(os.environ.get(OWNER_PID_ENV) or os.getpid()),
    }


def _start() -> LocalServerInfo:
    directory = run_dir()
    directory.mkdir(parents=True, exist_ok=True)
    model_name = getattr(settings, "LOCAL_LLM_MODEL_NAME", MODEL_NAME)
    ready_file = directory / f"local_llm.ready.{os.getpid()}.{threading.get_ident()}"
    ready_file.unlink(missing_ok=True)
    config = server_config(model_name, ready_file)
    started = time.monotonic()
    with _log_file().open("ab") as log:
        log.write(f"\n--- starting local LLM at {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        log.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", SERVE_MODULE, json.dumps(config)],
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C meant for the web or worker process must not kill the shared server.
            start_new_session=True,
        )
    # Reap it when it exits, so a dead server never lingers as a zombie that still looks alive.
    threading.Thread(target=process.wait, name=f"local-llm-reaper-{process.pid}", daemon=True).start()
    try:
        port = _wait_until_ready(process, ready_file, float(getattr(settings, "LOCAL_LLM_START_TIMEOUT", 120)))
    except BaseException:
        _terminate(process.pid)
        raise
    finally:
        ready_file.unlink(missing_ok=True)
    state = {"pid": process.pid, "port": port, "model_name": model_name, "started_seconds": time.monotonic() - started}
    _write_state(state)
    return _info(state)


def _wait_until_ready(process: subprocess.Popen[bytes], ready_file: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    port = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalServerError(
                f"The local model server exited with status {process.returncode} while starting. "
                f"Log ({_log_file()}):\n{_log_tail()}"
            )
        if port is None and ready_file.exists():
            port = int(json.loads(ready_file.read_text())["port"])
        if port is not None and _healthy(f"http://127.0.0.1:{port}"):
            return port
        time.sleep(0.05)
    raise LocalServerError(f"The local model server did not become healthy within {timeout:.0f} s; see {_log_file()}")


def _healthy(root_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{root_url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop_recorded(state: dict[str, Any] | None) -> bool:
    stopped = False
    if state and _is_our_server(int(state["pid"])):
        _terminate(int(state["pid"]))
        stopped = True
    with contextlib.suppress(FileNotFoundError):
        _state_file().unlink()
    return stopped


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while _alive(pid) and time.monotonic() < deadline + _STOP_GRACE_SECONDS:
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    """True if the process exists and is not a zombie (a dead child its parent has not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): signal 0 is the best check there is
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _is_our_server(pid: int) -> bool:
    """Alive and running serve.py: a recorded pid may since have been reused by an unrelated process,
    which must be neither trusted nor killed."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return SERVE_MODULE.encode() in cmdline


def _read_state() -> dict[str, Any] | None:
    try:
        state = json.loads(_state_file().read_text())
    except (FileNotFoundError, ValueError):
        return None
    return state if isinstance(state, dict) and {"pid", "port", "model_name"} <= state.keys() else None


def _write_state(state: dict[str, Any]) -> None:
    # Readers take no lock, so the file is replaced whole, never seen half-written.
    fd, tmp = tempfile.mkstemp(dir=run_dir(), prefix=".local_llm.")
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
    os.replace(tmp, _state_file())


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Exclusive across processes and threads: flock belongs to the open file, and each caller opens
    its own. The kernel drops it if the holder dies, so a crash never leaves the lock stuck."""
    directory = run_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "local_llm.lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(_log_file().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
