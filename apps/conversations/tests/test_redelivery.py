"""No message is lost when a worker dies (ADR 0002): a real worker process on a real Redis-protocol
broker is killed with SIGKILL while it holds messages; the next worker answers each exactly once."""

import time

import pytest

from apps.chat.models import ChatMessage
from apps.conversations.bot import receive_message
from apps.conversations.tasks import reply_to_message
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.utils.worker_process import WorkerProcess
from config.broker import broker_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 2


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.1)


def test_the_messages_of_a_killed_worker_are_answered_once_by_the_next(redis_url, team):
    session = session_for(simple_chatbot(team))
    first, second = (receive_message(session, text, message_id=f"m-{text}") for text in ("first", "second"))
    broker = broker_client(redis_url)
    broker.flushdb()
    options = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "FAKE_LLM": "true"}

    # A slow model: the first reply is in progress and the second message waits in the worker.
    doomed = WorkerProcess(redis_url, prefetch=2, FAKE_LLM_DELAY="60", **options)
    try:
        doomed.wait_for_log("ready.")
        app = _broker_app(redis_url)
        for message in (first, second):
            app.tasks[reply_to_message.name].apply_async(args=[message.pk])
        _wait(lambda: broker.llen("chat") == 0, 20, "the worker took both messages")
        _wait(lambda: _claimed(first), 20, "the first reply started")
        doomed.kill()
    finally:
        doomed.stop()
    assert not ChatMessage.objects.filter(reply_to__in=[first, second]).exists()

    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    # The first one's claim belongs to the killed worker until its lease lapses (ADR 0017): until then
    # it is retried, never answered twice; then it is answered.
    successor = WorkerProcess(redis_url, prefetch=1, FAKE_LLM_DELAY="0", CHAT_CLAIM_LEASE_SECONDS="2", **options)
    try:
        _wait(lambda: ChatMessage.objects.filter(reply_to=second).exists(), 60, "the second message was answered")
        _wait(lambda: ChatMessage.objects.filter(reply_to=first).exists(), 60, "the first message was answered")
        time.sleep(1)  # a duplicate delivery would answer now
    finally:
        successor.stop()
    assert ChatMessage.objects.filter(reply_to=second).count() == 1, successor.output()[-3000:]
    assert ChatMessage.objects.filter(reply_to=first).count() == 1, successor.output()[-3000:]


def _claimed(message: ChatMessage) -> bool:
    message.refresh_from_db()
    return message.processing_started_at is not None


def _broker_app(redis_url: str):
    from apps.web.tests.test_celery import _redis_app

    return _redis_app(redis_url)
