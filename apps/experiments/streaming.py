"""A bot reply as server-sent events: `token` events while the model writes, then `done` with the
stored reply, or `error` with a message for the person chatting.

The reply is made by `apps.chat.bot.respond` through `apps.chat.streaming.reply_stream`: if the
browser goes away (the Stop button), the run stops and the reply so far is stored, marked stopped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse

from apps.chat.bot import BotReply
from apps.chat.streaming import reply_stream
from apps.experiments.forms import ChatMessageForm
from apps.experiments.models import Experiment, ExperimentSession
from apps.utils.sse import event_stream_response, single_event, sse_event

logger = logging.getLogger(__name__)

MESSAGE_REQUIRED = "Type a message (at most 10,000 characters)."
UNEXPECTED_ERROR = "Something went wrong while preparing the reply. Please try again."


def done_payload(reply: BotReply) -> dict[str, Any]:
    return {
        "message_id": reply.reply.pk,
        "trace_id": reply.trace_id,
        "content": reply.reply.content,
        "tags": reply.reply.tags,
        "session_ended": reply.session_ended,
    }


async def reply_events(
    session: ExperimentSession,
    text: str,
    *,
    message_id: str,
    version: Experiment | None,
    hidden: bool = False,
    attachments: list[dict[str, Any]] | None = None,
) -> AsyncIterator[str]:
    options = {"message_id": message_id, "version": version, "hidden": hidden, "attachments": attachments}
    async for event in reply_stream(session, text, **options):
        if event.kind == "token":
            yield sse_event("token", {"text": event.text})
        elif event.reply is not None:
            yield sse_event("done", done_payload(event.reply))
        else:
            yield sse_event("error", {"message": str(event.error) if event.error else UNEXPECTED_ERROR})


def reply_response(
    session: ExperimentSession,
    form: ChatMessageForm,
    *,
    version: Experiment | None,
    seed_message: str,
    attachments: list[dict[str, Any]] | None = None,
) -> StreamingHttpResponse:
    """The reply to a chat page's message (or to the seed message) as an event stream; `attachments`
    are the message's files, already checked to be the session's (`apps.files.selectors`)."""
    if not form.is_valid():
        problems = form.non_field_errors()
        return error_response(str(problems[0]) if problems else MESSAGE_REQUIRED)
    if form.cleaned_data["seed"]:
        if not seed_message:
            return error_response("This chatbot has no seed message.")
        # One seed per session: a reload after a failed attempt retries the same message.
        text, message_id, hidden = seed_message, f"seed-{session.public_id}", True
    else:
        text, message_id, hidden = form.cleaned_data["message"], form.cleaned_data["message_id"], False
    attachments = None if hidden else attachments
    events = reply_events(session, text, message_id=message_id, version=version, hidden=hidden, attachments=attachments)
    return event_stream_response(events)


def error_response(message: str, status: int = 400) -> StreamingHttpResponse:
    """A refusal the chat page shows like any other error (it reads the event, whatever the status)."""
    return event_stream_response(single_event("error", {"message": message}), status=status)
