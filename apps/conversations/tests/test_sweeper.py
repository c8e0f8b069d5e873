"""A queued message whose task the broker lost is queued again, and only such a message
(apps/conversations/sweeper.py)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.chat.models import ChatMessage, ClaimOwner
from apps.conversations.bot import receive_message
from apps.conversations.sweeper import unanswered_background_messages
from apps.conversations.tasks import requeue_unanswered_messages
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm


@pytest.fixture
def session(team):
    return session_for(simple_chatbot(team), platform="web")


def queued(session, text: str, *, age_seconds: float = 60, **fields) -> ChatMessage:
    """A widget message stored `age_seconds` ago whose task never ran."""
    message = receive_message(session, text, message_id=f"task-{text}")
    fields["created_at"] = timezone.now() - timedelta(seconds=age_seconds)
    ChatMessage.objects.filter(pk=message.pk).update(**fields)
    return message


def owner(expires_in: timedelta) -> ClaimOwner:
    return ClaimOwner.objects.create(expires_at=timezone.now() + expires_in, host="elsewhere", pid=1)


@override_settings(CHAT_REQUEUE_AFTER_SECONDS=20)
def test_a_lost_task_is_queued_again_and_the_message_answered_once(session):
    lost = queued(session, "lost")
    with use_fake_llm("The answer") as fake:
        assert requeue_unanswered_messages() == 1  # eager in tests: the reply is made here
        assert requeue_unanswered_messages() == 0  # answered now: nothing to do
    lost.refresh_from_db()
    assert lost.reply.content == "The answer"
    assert len(fake.calls) == 1


def test_only_messages_nobody_is_answering_are_chosen(session):
    lost = queued(session, "lost")
    dead_claim = queued(session, "dead claim", claimed_by=owner(timedelta(seconds=-5)).pk)
    queued(session, "live claim", claimed_by=owner(timedelta(seconds=30)).pk)  # being answered
    queued(session, "recent", age_seconds=2)  # its task may still be on the way
    queued(session, "too old", age_seconds=2 * 60 * 60)  # a team's to look at, not ours to answer
    queued(session, "failed", metadata={"error": "The model refused"})  # the poller was told
    answered = queued(session, "answered")
    ChatMessage.objects.create(
        team=session.team, chat=session.chat, message_type="ai", content="Done", reply_to=answered
    )
    api = session_for(session.experiment, identifier="api-caller")
    # Answered by the request that sent it (the API channel), not by the queue.
    by_request = ChatMessage.objects.create(team=api.team, chat=api.chat, message_type="human", content="api")
    ChatMessage.objects.filter(pk=by_request.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    assert unanswered_background_messages(older_than=timedelta(seconds=20)) == [lost.pk, dead_claim.pk]


def test_an_ended_conversation_is_not_answered(session):
    queued(session, "lost")
    ExperimentSession.objects.filter(pk=session.pk).update(status=ExperimentSession.Status.COMPLETE)
    assert unanswered_background_messages(older_than=timedelta(seconds=20)) == []


def test_a_message_queued_again_a_moment_ago_waits_its_turn(session):
    # In a long queue it is still unanswered at the next sweep: queued once more per sweep, the queue
    # would feed itself.
    lost = queued(session, "lost")
    ChatMessage.objects.filter(pk=lost.pk).update(processing_started_at=timezone.now() - timedelta(seconds=5))
    assert unanswered_background_messages(older_than=timedelta(seconds=20)) == []
    ChatMessage.objects.filter(pk=lost.pk).update(processing_started_at=timezone.now() - timedelta(seconds=30))
    assert unanswered_background_messages(older_than=timedelta(seconds=20)) == [lost.pk]


@override_settings(CHAT_REQUEUE_AFTER_SECONDS=20)
def test_a_message_that_never_gets_answered_is_marked_failed(session, monkeypatch):
    from apps.conversations import tasks
    from apps.conversations.sweeper import GAVE_UP, MAX_REQUEUES

    sent: list[int] = []
    monkeypatch.setattr(tasks.reply_to_message, "delay", sent.append)  # each attempt dies unanswered
    poison = queued(session, "poison")
    for _ in range(MAX_REQUEUES):
        assert requeue_unanswered_messages() == 1
        ChatMessage.objects.filter(pk=poison.pk).update(processing_started_at=timezone.now() - timedelta(minutes=1))
    assert requeue_unanswered_messages() == 0
    assert sent == [poison.pk] * MAX_REQUEUES
    assert ChatMessage.objects.get(pk=poison.pk).metadata["error"] == GAVE_UP


def test_the_sweep_runs_on_the_background_queue():
    from config.celery import app

    assert app.amqp.router.route({}, "apps.chat.tasks.requeue_unanswered_messages")["queue"].name == "background"
    assert app.amqp.router.route({}, "apps.chat.tasks.reply_to_message")["queue"].name == "chat"
