"""A reply and its session's activity times in one statement: both happen, in one query, or neither."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.chat.actions import insert_reply_and_touch
from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    return session_for(simple_chatbot(team))


def message(session, **fields) -> ChatMessage:
    return ChatMessage(team=session.team, chat=session.chat, message_type="ai", content="Hello", **fields)


def values(instance) -> dict:
    fields = [field for field in type(instance)._meta.get_fields() if field.concrete and not field.many_to_many]
    return {field.attname: getattr(instance, field.attname) for field in fields}


def test_both_rows_are_written_in_one_query_as_save_would_write_them(session, django_assert_num_queries):
    human = ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="human", content="Hi")
    reply = message(session, tags=["greeting"], metadata={"trace_id": 7}, reply_to=human)
    session.last_activity_at = session.updated_at = timezone.now()
    with django_assert_num_queries(1):
        stored = insert_reply_and_touch(reply, session, ["last_activity_at", "updated_at"])
        assert stored.reply_to == human  # carried over: no query
    row = ChatMessage.objects.get(pk=stored.pk)
    assert values(stored) == values(row)  # the instance holds what was stored
    assert (row.content, row.tags, row.metadata, row.reply_to_id) == ("Hello", ["greeting"], {"trace_id": 7}, human.pk)
    assert row.created_at is not None
    saved_session = ExperimentSession.objects.get(pk=session.pk)
    assert (saved_session.last_activity_at, saved_session.updated_at) == (session.last_activity_at, session.updated_at)
    stored.content = "Edited"
    stored.save()  # an ordinary saved instance from here on: an UPDATE, not a second row
    assert ChatMessage.objects.get(pk=stored.pk).content == "Edited"
    assert ChatMessage.objects.filter(chat=session.chat).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_insert_leaves_the_update_undone(session):
    """Autocommitted, as the bot runs it: two statements would have committed the update."""
    human = ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="human", content="Hi")
    ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="ai", content="1", reply_to=human)
    session.last_activity_at = timezone.now()
    with pytest.raises(IntegrityError):  # one reply per message
        insert_reply_and_touch(message(session, reply_to=human), session, ["last_activity_at"])
    assert ExperimentSession.objects.get(pk=session.pk).last_activity_at is None


def test_only_a_new_message_is_inserted(session):
    saved = ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="ai", content="x")
    with pytest.raises(ValueError, match="new message"):
        insert_reply_and_touch(saved, session, ["last_activity_at"])
