"""An INSERT and an UPDATE in one statement: both happen, in one query, or neither does."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.utils.single_statement import insert_and_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    return session_for(simple_chatbot(team))


def message(session, **fields) -> ChatMessage:
    return ChatMessage(team=session.team, chat=session.chat, message_type="ai", content="Hello", **fields)


def test_both_rows_are_written_in_one_query(session, django_assert_num_queries):
    reply = message(session, tags=["greeting"], metadata={"trace_id": 7})
    now = timezone.now()
    with django_assert_num_queries(1):
        insert_and_update(reply, ExperimentSession.objects.filter(pk=session.pk), last_activity_at=now)
    stored = ChatMessage.objects.get(pk=reply.pk)
    assert (stored.content, stored.tags, stored.metadata) == ("Hello", ["greeting"], {"trace_id": 7})
    assert stored.created_at is not None
    assert reply.created_at == stored.created_at  # what save() would have set on the instance
    assert not reply._state.adding
    assert ExperimentSession.objects.get(pk=session.pk).last_activity_at == now
    reply.content = "Edited"
    reply.save()  # an ordinary saved instance from here on
    assert ChatMessage.objects.get(pk=reply.pk).content == "Edited"


@pytest.mark.django_db(transaction=True)
def test_a_failed_insert_leaves_the_update_undone(session):
    """Autocommitted, as the bot runs it: two statements would have committed the update."""
    human = ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="human", content="Hi")
    ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="ai", content="1", reply_to=human)
    with pytest.raises(IntegrityError):  # one reply per message
        insert_and_update(
            message(session, reply_to=human),
            ExperimentSession.objects.filter(pk=session.pk),
            last_activity_at=timezone.now(),
        )
    assert ExperimentSession.objects.get(pk=session.pk).last_activity_at is None


def test_only_a_new_instance_is_inserted(session):
    saved = ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="ai", content="x")
    with pytest.raises(ValueError, match="new instance"):
        insert_and_update(saved, ExperimentSession.objects.filter(pk=session.pk), last_activity_at=timezone.now())
