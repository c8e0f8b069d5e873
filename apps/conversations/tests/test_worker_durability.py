"""A Celery worker killed right after a reply keeps the reply's trace and usage: a prefork child exits
with os._exit, past the exit-time flush, so workers write them before the reply (ADR 0017).

Marked `integration`: a real prefork worker (apps/utils/worker_process.py runs the thread pool) on a
real Redis-protocol broker (the `redis_url` fixture)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.conf import settings

from apps.chat.models import ChatMessage
from apps.conversations.bot import receive_message
from apps.conversations.tests.child_process import child_environment
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.models import LlmUsage
from apps.trace.models import Span, Trace


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_right_after_a_reply_keeps_its_trace_and_usage(team, redis_url):
    session = session_for(simple_chatbot(team))
    human = receive_message(session, "hello worker", message_id="w-1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "-P", "prefork", "-c", "1", "-Q", "chat"]
        + ["--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning"],
        cwd=settings.BASE_DIR,
        env=child_environment(CELERY_BROKER_URL=redis_url, FAKE_LLM="true"),
        start_new_session=True,
    )
    try:
        sender = Celery("sender", broker=redis_url, set_as_current=False)
        sender.send_task("apps.chat.tasks.reply_to_message", args=[human.pk], queue="chat")
        deadline = time.monotonic() + 120
        while (reply := ChatMessage.objects.filter(reply_to_id=human.pk).first()) is None:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "no reply from the worker"
            time.sleep(0.002)
    finally:
        # The whole worker, parent and child, at once: nothing runs after the reply is seen.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert reply.content == "hello worker"  # the fake model echoes
    trace = Trace.objects.get(pk=reply.metadata["trace_id"])
    assert trace.session_id == session.pk
    assert Span.objects.filter(trace=trace).exists()
    usage = LlmUsage.objects.get(session_id=session.pk)
    assert (usage.input_tokens, usage.output_tokens) != (0, 0)
