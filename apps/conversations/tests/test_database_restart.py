"""A worker outlives a database restart (ADR 0002): every connection of a real worker process is
terminated by the server (what a restart does to a client), and the worker's next task succeeds."""

import time

import pytest
from django.db import connection

from apps.chat.models import ChatMessage
from apps.conversations.bot import receive_message
from apps.conversations.tasks import reply_to_message
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.utils.worker_process import WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _answered(message: ChatMessage, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ChatMessage.objects.filter(reply_to=message).exists():
            return True
        time.sleep(0.1)
    return False


def _terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_answers_the_next_message_after_its_connections_are_cut(redis_url, team):
    from apps.web.tests.test_celery import _redis_app

    session = session_for(simple_chatbot(team))
    before, after = (receive_message(session, text, message_id=f"m-{text}") for text in ("before", "after"))
    app = _redis_app(redis_url)
    worker = WorkerProcess(redis_url, FAKE_LLM="true")
    try:
        worker.wait_for_log("ready.")
        app.tasks[reply_to_message.name].apply_async(args=[before.pk])
        assert _answered(before, 30), worker.output()[-3000:]
        assert _terminate_other_connections() > 0
        started = time.monotonic()
        app.tasks[reply_to_message.name].apply_async(args=[after.pk])
        assert _answered(after, 30), worker.output()[-3000:]
        seconds = time.monotonic() - started
        assert worker.process.poll() is None
    finally:
        worker.stop()
    assert ChatMessage.objects.filter(reply_to=after).count() == 1
    assert seconds < 2, worker.output()[-3000:]  # at once: not after a failure and a retry
