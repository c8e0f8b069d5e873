"""A chat's recent turns, read as SQL, match their queryset."""

import pytest

from apps.chat.models import ChatMessage
from apps.chat.selectors import recent_turns
from apps.experiments.tests.factories import session_for, simple_chatbot

pytestmark = pytest.mark.django_db


def test_recent_turns_match_the_queryset(team, django_assert_num_queries):
    session = session_for(simple_chatbot(team))
    other = session_for(simple_chatbot(team, name="Other"), identifier="p2")
    kinds = ["human", "ai", "system", "human", "ai", "human"]
    messages = [
        ChatMessage.objects.create(team=team, chat=session.chat, message_type=kind, content=f"{kind} {number}")
        for number, kind in enumerate(kinds)
    ]
    ChatMessage.objects.create(team=team, chat=other.chat, message_type="human", content="elsewhere")
    before = messages[-1]
    for limit in (200, 3):
        expected = list(
            ChatMessage.objects.filter(chat_id=session.chat_id, id__lt=before.id)
            .exclude(message_type=ChatMessage.Type.SYSTEM)
            .order_by("-id")
            .values_list("message_type", "content")[:limit]
        )
        with django_assert_num_queries(1):
            assert recent_turns(session.chat_id, before.id, limit) == expected
    assert recent_turns(session.chat_id, before.id, 200) == [
        ("ai", "ai 4"),
        ("human", "human 3"),
        ("ai", "ai 1"),
        ("human", "human 0"),
    ]
    assert recent_turns(session.chat_id, messages[0].id, 200) == []
