"""The embedded Valkey broker (config/embedded_valkey.py): not started by importing settings; started
on demand with an append-only file; shared by its users and stopped with the last live one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import embedded_valkey

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def directory(tmp_path):
    yield tmp_path
    embedded_valkey.shutdown(embedded_valkey.socket_path(tmp_path))  # whatever a failed test left running


def test_settings_name_the_embedded_broker_without_starting_it(directory):
    env = {**os.environ, "EMBEDDED_VALKEY_DIR": str(directory), "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == f"redis+socket://{directory.resolve()}/valkey.sock", result.stderr
    assert not embedded_valkey.socket_path(directory).exists()


def test_the_server_is_shared_and_stops_with_its_last_live_user(directory):
    socket = embedded_valkey.socket_path(directory)
    other_user = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed_user = subprocess.Popen([sys.executable, "-c", "pass"])
    killed_user.wait()
    try:
        assert embedded_valkey.ensure_server(directory) == f"redis+socket://{socket}"
        assert embedded_valkey.ping(socket)
        client = embedded_valkey.client(socket, timeout=1)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.close()
        users = directory / "users.json"
        users.write_text(json.dumps([*json.loads(users.read_text()), other_user.pid, killed_user.pid]))

        embedded_valkey.release(directory)
        assert embedded_valkey.ping(socket)  # another process still uses it; the dead one is forgotten
        assert json.loads(users.read_text()) == [other_user.pid]

        embedded_valkey.ensure_server(directory)
        other_user.kill()
        other_user.wait()
        embedded_valkey.release(directory)
        assert not embedded_valkey.ping(socket)
    finally:
        other_user.kill()
        other_user.wait()


def test_queued_messages_survive_a_restart_of_the_server(directory):
    socket = embedded_valkey.socket_path(directory)
    embedded_valkey.ensure_server(directory)
    client = embedded_valkey.client(socket, timeout=1)
    client.lpush("chat", "a queued message")
    client.close()
    embedded_valkey.release(directory)
    assert not embedded_valkey.ping(socket)

    embedded_valkey.ensure_server(directory)
    client = embedded_valkey.client(socket, timeout=1)
    assert client.lrange("chat", 0, -1) == [b"a queued message"]
    client.close()
    embedded_valkey.release(directory)


def test_the_watch_starts_a_killed_server_again_with_its_queue(directory):
    import signal

    from apps.web.supervisor import BrokerWatch

    socket = embedded_valkey.socket_path(directory)
    embedded_valkey.ensure_server(directory)
    client = embedded_valkey.client(socket, timeout=1)
    client.rpush("chat", "queued before the crash")
    client.close()
    embedded_valkey.shutdown(socket)  # a clean stop flushes the append-only file, as a crash a second later would have
    embedded_valkey.ensure_server(directory)
    pid = int((directory / "valkey.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    messages: list[str] = []
    watch = BrokerWatch(directory, messages.append)
    try:
        watch.check()
        assert embedded_valkey.ping(socket)
        assert messages == ["the embedded Valkey server is not answering; starting it again"]
        client = embedded_valkey.client(socket, timeout=1)
        assert client.lrange("chat", 0, -1) == [b"queued before the crash"]
        client.close()
        watch.check()  # within the interval: no second look
        assert len(messages) == 1
    finally:
        embedded_valkey.release(directory)
