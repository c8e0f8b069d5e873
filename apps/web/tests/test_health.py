"""/health/: database, broker and worker heartbeat, answered within about 2 s whatever is down."""

import socket
import time

import pytest

from apps.web import health
from config import broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_broker(settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    client = broker.broker_client(redis_url)
    client.delete(broker.HEARTBEAT_KEY)
    yield client
    client.delete(broker.HEARTBEAT_KEY)
    client.close()


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers: a database host that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_health_reports_database_broker_and_a_live_worker(client, on_broker):
    heartbeat = broker.start_heartbeat("test-worker@localhost", interval=0.1)  # on the settings' broker
    try:
        deadline = time.monotonic() + 5
        while not on_broker.zscore(broker.HEARTBEAT_KEY, "test-worker@localhost") and time.monotonic() < deadline:
            time.sleep(0.02)
        response = client.get("/health/")
    finally:
        broker.stop_heartbeat()
        heartbeat.join(5)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": True, "alive": 1}
    # A worker that stops on purpose takes its heartbeat with it.
    assert on_broker.zscore(broker.HEARTBEAT_KEY, "test-worker@localhost") is None


def test_without_a_worker_heartbeat_the_platform_is_degraded_not_down(client, on_broker):
    on_broker.zadd(broker.HEARTBEAT_KEY, {"long-gone@localhost": time.time() - broker.HEARTBEAT_STALE_SECONDS - 1})
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker heartbeat" in body["checks"]["worker"]["error"]


def test_health_is_503_when_the_broker_is_down(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = f"redis+socket://{tmp_path / 'nothing-here.sock'}"
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_health_is_503_within_2_s_when_the_database_hangs(client, on_broker, silent_server, monkeypatch):
    from django.db import connection

    hanging = {**connection.get_connection_params(), "host": "127.0.0.1", "port": silent_server}
    monkeypatch.setattr(health.connection, "get_connection_params", lambda: dict(hanging))
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < health.DATABASE_TIMEOUT_SECONDS + 0.5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["broker"]["ok"] is True
