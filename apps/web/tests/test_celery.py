"""Celery wiring: queues and routes, and (marked `integration`) a real worker on a real Redis."""

import os
import shutil
import socket
import subprocess
import time

import pytest
from celery import Celery
from django.core import mail

from apps.teams.tasks import send_invitation_email
from apps.utils.factories.team import InvitationFactory
from config.celery import app


def test_tasks_are_routed_to_the_three_queues():
    assert {q.name for q in app.conf.task_queues} == {"chat", "background", "evaluations"}
    router = app.amqp.router
    assert router.route({}, "apps.chat.tasks.reply")["queue"].name == "chat"
    assert router.route({}, "apps.evaluations.tasks.run")["queue"].name == "evaluations"
    assert router.route({}, send_invitation_email.name)["queue"].name == "background"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    """TEST_REDIS_URL when set (.ci/run starts a server); else a redis-server started here; else skip (fail in CI)."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide Redis for the Celery integration tests (TEST_REDIS_URL or redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(5)


def _redis_app(redis_url: str) -> Celery:
    """A Celery app configured like ours but on Redis; shared tasks (all of ours) register on it too."""
    redis_app = Celery("integration", set_as_current=False)
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_queues=app.conf.task_queues,
        task_default_queue=app.conf.task_default_queue,
        task_routes=app.conf.task_routes,
    )
    return redis_app


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_task_runs_on_a_real_worker_with_redis(redis_url, settings):
    from celery.contrib.testing.worker import start_worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    redis_app = _redis_app(redis_url)
    invitation = InvitationFactory(email="worker@example.com")
    with start_worker(redis_app, pool="solo", perform_ping_check=False, queues=["background"], shutdown_timeout=10):
        result = redis_app.tasks[send_invitation_email.name].apply_async(args=[invitation.id])
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert result.id
    assert [m.to for m in mail.outbox] == [["worker@example.com"]]
