"""A bot reply as server-sent events: `token` events while the model writes, then `done` with the
stored reply, or `error` with a message for the person chatting (details only for the team).

The reply is made by `apps.conversations.bot.respond` through `apps.conversations.streaming.reply_stream`: if the
browser goes away (the Stop button), the run stops and the reply so far is stored, marked stopped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse

from apps.conversations.bot import BotError, BotReply
from apps.conversations.streaming import reply_stream
from apps.experiments.forms import ChatMessageForm
from apps.experiments.models import Experiment, ExperimentSession
from apps.utils.sse import event_stream_response, single_event, sse_event

logger = logging.getLogger(__name__)

MESSAGE_REQUIRED = "Type a message (at most 10,000 characters)."
UNEXPECTED_ERROR = "Something went wrong while preparing the reply. Please try again."
PARTICIPANT_ERROR = "Sorry, something went wrong. (Reference: {reference})"


def error_message(error: BotError | None, session: ExperimentSession, *, show_details: bool) -> str:
    """What the person chatting reads when no reply could be made. A failed pipeline's message names
    nodes, providers and HTTP errors: for the team only (the team's chat page; the trace keeps it for
    everyone else). Participants get a reference the team can look up: the trace's id, else the session's."""
    if error is None:
        return UNEXPECTED_ERROR
    # Subclasses (the conversation ended, a reply still in progress) speak to the participant already.
    if show_details or type(error) is not BotError:
        return str(error)
    reference = f"trace {error.trace_id}" if error.trace_id else f"session {str(session.public_id)[:8]}"
    logger.info("Reply failed in session %s (%s): %s", session.pk, reference, error)
    return PARTICIPANT_ERROR.format(reference=reference)


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
    show_details: bool = False,
) -> AsyncIterator[str]:
    options = {"message_id": message_id, "version": version, "hidden": hidden, "attachments": attachments}
    async for event in reply_stream(session, text, **options):
        if event.kind == "token":
            yield sse_event("token", {"text": event.text})
        elif event.reply is not None:
            yield sse_event("done", done_payload(event.reply))
        else:
            yield sse_event("error", {"message": error_message(event.error, session, show_details=show_details)})


def reply_response(
    session: ExperimentSession,
    form: ChatMessageForm,
    *,
    version: Experiment | None,
    seed_message: str,
    attachments: list[dict[str, Any]] | None = None,
    show_details: bool = False,
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
    events = reply_events(
        session,
        text,
        message_id=message_id,
        version=version,
        hidden=hidden,
        attachments=attachments,
        show_details=show_details,
    )
    return event_stream_response(events)


def error_response(message: str, status: int = 400) -> StreamingHttpResponse:
    """A refusal the chat page shows like any other error (it reads the event, whatever the status)."""
    return event_stream_response(single_event("error", {"message": message}), status=status)
