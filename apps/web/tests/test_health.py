from unittest import mock

import pytest

from apps.web import health


@pytest.mark.django_db
def test_health_reports_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_down(client):
    from config.celery import app

    # A broker on a closed loopback port: a real failed connection, not a mocked exception.
    closed_port_broker = app.connection("redis://127.0.0.1:1/0")
    with mock.patch.object(app, "connection_for_write", return_value=closed_port_broker):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client):
    with mock.patch.object(health, "connection") as broken:
        broken.cursor.side_effect = OSError("connection refused")
        response = client.get("/health/")
    assert response.status_code == 503
    assert "connection refused" in response.json()["checks"]["database"]["error"]
