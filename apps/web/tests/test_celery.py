"""Celery wiring: queues and routes, and (marked `integration`) a real worker on a real Redis-protocol
server (the `redis_url` fixture: TEST_REDIS_URL or a private embedded Valkey)."""

import time

import pytest
from celery import Celery
from django.core import mail

from apps.teams.tasks import send_invitation_email
from apps.teams.tests.factories import InvitationFactory
from config.celery import app


def test_tasks_are_routed_to_the_three_queues():
    assert {q.name for q in app.conf.task_queues} == {"chat", "background", "evaluations"}
    router = app.amqp.router
    assert router.route({}, "apps.chat.tasks.reply")["queue"].name == "chat"
    assert router.route({}, "apps.evaluations.tasks.run")["queue"].name == "evaluations"
    assert router.route({}, send_invitation_email.name)["queue"].name == "background"


def _redis_app(redis_url: str) -> Celery:
    """A Celery app configured like ours but on Redis; shared tasks (all of ours) register on it too."""
    redis_app = Celery("integration", set_as_current=False)
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.conf.update(
        broker_url=redis_url,
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
