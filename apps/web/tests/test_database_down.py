"""With the database unreachable the real server (uvicorn serving config.asgi, in its own process)
answers within seconds: /health/ 503 within about 2 s, API paths a JSON 503 with Retry-After, pages
a plain 503 — not an HTML 500 after a minute. The database here is a port that accepts connections
and never answers, the worst case (a refused connection fails at once)."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings

pytestmark = pytest.mark.integration


@pytest.fixture
def server_without_database(redis_url, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{silent.getsockname()[1]}/unreachable",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    log = tmp_path / "uvicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--no-access-log"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"uvicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(20)
    silent.close()


def _timed_get(url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def test_the_server_answers_503_within_seconds_when_the_database_hangs(server_without_database):
    _timed_get(f"{server_without_database}/health/")  # the first request also loads the URLs and views
    health, seconds = _timed_get(f"{server_without_database}/health/")
    assert health.status_code == 503
    assert health.json()["checks"]["database"]["ok"] is False
    assert health.json()["checks"]["broker"]["ok"] is True
    assert seconds < 2.5

    api, seconds = _timed_get(
        f"{server_without_database}/api/experiments/", headers={"X-api-key": "cs_0123abcd.secret"}
    )
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/json"
    assert api.headers["Retry-After"] == "5"
    assert "database" in api.json()["detail"]
    assert seconds < 8  # DB_POOL_TIMEOUT (5 s), not a minute

    page, seconds = _timed_get(f"{server_without_database}/accounts/login/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert seconds < 8


@pytest.fixture
def api_key(team, admin_user):
    from apps.api.keys import create_api_key

    return create_api_key(team=team, name="tests", created_by=admin_user)[1]


@pytest.mark.django_db(transaction=True)
def test_the_web_process_reconnects_after_the_database_cut_its_connections(asgi_server, api_key):
    from django.db import connection

    def get() -> int:
        return httpx.get(f"{asgi_server}/api/experiments/", headers={"X-api-key": api_key}, timeout=30).status_code

    assert [get() for _ in range(4)] == [200] * 4  # the server's pool now holds connections
    with connection.cursor() as cursor:  # what a database restart does to its clients
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] > 0
    statuses = [get() for _ in range(3)]
    assert set(statuses) <= {200, 503}  # a 503 (with Retry-After) at worst, never a 500
    assert statuses[1:] == [200, 200]  # one failure at most: the pool drops its other dead connections
