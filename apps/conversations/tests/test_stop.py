"""Stop: the client goes away mid-reply; the run stops and the reply so far is stored, marked stopped."""

import threading
from collections.abc import AsyncGenerator
from typing import cast

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from apps.chat.models import ChatMessage
from apps.conversations.bot import respond
from apps.conversations.streaming import reply_stream
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.trace.models import Trace

pytestmark = pytest.mark.django_db

LONG_REPLY = " ".join(f"word{index}" for index in range(40))


@pytest.fixture
def session(team):
    return session_for(simple_chatbot(team))


def test_a_client_that_goes_away_stops_the_run_and_the_partial_reply_is_stored_as_stopped(session):
    async def chat_then_stop() -> list[str]:
        tokens = []
        # An async generator (events_from_thread), closed the way Django closes it on a disconnect.
        events = cast(AsyncGenerator, reply_stream(session, "Tell me everything", message_id="m1"))
        async for event in events:
            tokens.append(event.text)
            if len(tokens) == 2:
                break  # what the server sees when the browser aborts the request (the Stop button)
        await events.aclose()
        return tokens

    with use_fake_llm(LONG_REPLY) as fake:
        fake.word_delay = 0.05
        tokens = async_to_sync(chat_then_stop)()
        # The worker runs on this (the request's sync) thread: it has finished when this returns.
        stored = async_to_sync(sync_to_async(lambda: list(ChatMessage.objects.filter(chat=session.chat_id))))()

    human, reply = sorted(stored, key=lambda message: message.pk)
    assert human.content == "Tell me everything"
    assert reply.reply_to_id == human.pk
    assert reply.metadata["stopped"] is True
    assert reply.content.startswith("".join(tokens).strip())
    assert len(reply.content.split()) < 40  # not the full reply
    assert Trace.objects.get(pk=reply.metadata["trace_id"]).status == "cancelled"


def test_stop_before_the_first_token_stores_an_empty_stopped_reply_and_a_retry_replays_it(session):
    stop = threading.Event()
    stop.set()
    with use_fake_llm(LONG_REPLY, "a second answer"):
        stopped = respond(session, "hi", message_id="m1", stop=stop)
        again = respond(session, "hi", message_id="m1")
    assert (stopped.reply.content, stopped.reply.metadata["stopped"]) == ("", True)
    assert again.replayed
    assert again.reply.pk == stopped.reply.pk


def test_a_reply_not_stopped_is_complete(session):
    with use_fake_llm(LONG_REPLY):
        reply = respond(session, "hi", message_id="m1", stop=threading.Event())
    assert reply.reply.content == LONG_REPLY
    assert "stopped" not in reply.reply.metadata


def test_a_stopped_reply_shows_as_stopped_on_reload(admin_client, team):
    from apps.experiments.tests.test_views_chat import start_chat, stream

    chatbot = simple_chatbot(team)
    chat_session = start_chat(admin_client, team, chatbot)
    with use_fake_llm("A finished answer"):
        stream(admin_client, team, chatbot, chat_session, message="first", message_id="m1")
        stopped = respond(chat_session, "second", message_id="m2", stop=_set_event())
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{chat_session.public_id}/").content.decode()
    assert page.count('data-stopped="true"') == 1
    assert f'data-message-id="{stopped.reply.pk}" data-stopped="true"' in page


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_a_stopped_reply_after_another_process_answered_replays_that_answer(session):
    # While this run streams, another process (which took this one's claim for dead) stores its reply
    # to the same message; then Stop is pressed. The stored reply stands and is replayed, no error.
    from apps.conversations import bot

    stop = threading.Event()

    def other_process_answers(token: str) -> None:
        human = ChatMessage.objects.get(chat=session.chat_id, external_id="m1")
        if not ChatMessage.objects.filter(reply_to=human).exists():
            ChatMessage.objects.create(
                team_id=session.team_id, chat_id=session.chat_id, message_type="ai", content="theirs", reply_to=human
            )
        stop.set()

    with use_fake_llm(LONG_REPLY):
        result = bot.respond(session, "hi", message_id="m1", stop=stop, on_token=other_process_answers)
    assert result.replayed
    assert result.reply.content == "theirs"
    assert list(
        ChatMessage.objects.filter(chat=session.chat_id, message_type="ai").values_list("content", flat=True)
    ) == ["theirs"]
