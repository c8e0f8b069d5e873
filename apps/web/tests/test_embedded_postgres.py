"""The embedded PostgreSQL server (config/embedded_postgres.py): importing the settings starts nothing;
manage.py starts it for commands that use the database; it is shared by its users and stops with the
last one (ADR 0023). Each test has its own data folder, so its own server."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import psycopg
import pytest

from config import embedded_postgres

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def data_dir():
    # Not under pytest's tmp_path: as root the server runs as another user, who must traverse the
    # folder's parents, and every pytest session resets its base folder to 0700.
    parent = Path(tempfile.mkdtemp(prefix="chatstudio-pg-test-"))
    directory = parent / "pgdata"
    yield directory
    embedded_postgres.stop_server(directory, mode="immediate")  # whatever a failed test left running
    shutil.rmtree(parent, ignore_errors=True)


def _environment(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "EMBEDDED_PGDATA": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    return env


def _postgres_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


_CREATE_MARKER = """
from django.db import connection

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE marker (note text)")
    cursor.execute("INSERT INTO marker VALUES ('written by the first command')")
"""
_READ_MARKER = """
from django.db import connection

with connection.cursor() as cursor:
    cursor.execute("SELECT note FROM marker")
    print(cursor.fetchone()[0])
"""


def _run(args: list[str], data_dir: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_environment(data_dir), capture_output=True, text=True, timeout=timeout
    )


def test_importing_the_settings_starts_no_database(data_dir):
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default'])"
    result = _run(["-c", code], data_dir, timeout=60)
    assert result.returncode == 0, result.stderr
    assert str(embedded_postgres.socket_dir(data_dir)) in result.stdout  # the settings name where it will listen
    assert not data_dir.exists()  # no initdb, no server: nothing was even created
    assert not (data_dir.parent / f".{data_dir.name}.lock").exists()
    assert _postgres_processes(data_dir) == []


def test_manage_py_starts_the_server_for_a_database_command_and_it_stops_with_its_last_user(data_dir):
    result = _run(["manage.py", "shell", "-c", _CREATE_MARKER], data_dir)
    assert result.returncode == 0, result.stderr
    assert (data_dir / "PG_VERSION").exists()
    assert not embedded_postgres.is_running(data_dir)  # its only user, manage.py, has exited
    assert _postgres_processes(data_dir) == []

    # A second command starts it again and finds what the first one wrote.
    result = _run(["manage.py", "shell", "-c", _READ_MARKER], data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "written by the first command"
    assert not embedded_postgres.is_running(data_dir)


def test_a_command_without_the_database_does_not_start_it(data_dir):
    result = _run(["manage.py", "check"], data_dir, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not data_dir.exists()


_ATTACH = """
import sys
import tempfile
from pathlib import Path

from config import embedded_postgres

embedded_postgres.ensure_server(Path(sys.argv[1]))
"""


def test_the_server_is_shared_and_stops_with_its_last_live_user(data_dir):
    url = embedded_postgres.ensure_server(data_dir)
    try:
        assert embedded_postgres.is_running(data_dir)
        # Another process attaches to the running server and leaves: the server keeps running for us.
        result = _run(["-c", _ATTACH, str(data_dir)], data_dir, timeout=60)
        assert result.returncode == 0, result.stderr
        assert embedded_postgres.is_running(data_dir)
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == ("chatstudio",)
    finally:
        embedded_postgres.release(data_dir)
    assert not embedded_postgres.is_running(data_dir)
    assert _postgres_processes(data_dir) == []
