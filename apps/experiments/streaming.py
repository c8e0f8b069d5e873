"""A bot reply as server-sent events: `token` events while the model writes, then `done` with the
stored reply, or `error` with a message for the person chatting.

The reply is made by `apps.chat.bot.respond` in a worker thread (it is synchronous and talks to the
database); tokens cross back to the event loop through an asyncio queue. If the browser goes away
(the Stop button), the worker still finishes, so the reply is stored and the transcript complete."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse

from apps.chat.bot import BotError, BotReply, respond
from apps.experiments.forms import ChatMessageForm
from apps.experiments.models import Experiment, ExperimentSession

logger = logging.getLogger(__name__)

MESSAGE_REQUIRED = "Type a message (at most 10,000 characters)."
UNEXPECTED_ERROR = "Something went wrong while preparing the reply. Please try again."

# Workers whose browser has gone: referenced here so the event loop does not drop them unfinished.
_orphaned_workers: set[asyncio.Future] = set()


def sse_event(event: str, data: dict[str, Any]) -> str:
    # json.dumps escapes newlines, so the payload always fits on one `data:` line.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def done_payload(reply: BotReply) -> dict[str, Any]:
    return {
        "message_id": reply.reply.pk,
        "trace_id": reply.trace_id,
        "content": reply.reply.content,
        "tags": reply.reply.tags,
        "session_ended": reply.session_ended,
    }


async def reply_events(
    session: ExperimentSession, text: str, *, message_id: str, version: Experiment | None, hidden: bool = False
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def emit(chunk: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, chunk)

    def run() -> None:
        try:
            reply = respond(
                session,
                text,
                message_id=message_id,
                version=version,
                hidden=hidden,
                on_token=lambda token: emit(sse_event("token", {"text": token})),
            )
        except BotError as error:
            emit(sse_event("error", {"message": str(error)}))
        except Exception:
            logger.exception("Reply to session %s failed", session.pk)
            emit(sse_event("error", {"message": UNEXPECTED_ERROR}))
        else:
            emit(sse_event("done", done_payload(reply)))
        finally:
            emit(None)

    # Thread-sensitive: the ORM runs on this request's own sync thread (under ASGI, one per request,
    # closed by Django when the request ends), never on the event loop.
    worker = asyncio.ensure_future(sync_to_async(run, thread_sensitive=True)())
    finished = False
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        finished = True
    finally:
        if finished:
            await worker
        else:
            _orphaned_workers.add(worker)
            worker.add_done_callback(_orphaned_workers.discard)


def reply_response(
    session: ExperimentSession, form: ChatMessageForm, *, version: Experiment | None, seed_message: str
) -> StreamingHttpResponse:
    """The reply to a chat page's message (or to the seed message) as an event stream."""
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
    return event_stream_response(reply_events(session, text, message_id=message_id, version=version, hidden=hidden))


def event_stream_response(events: AsyncIterator[str], status: int = 200) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream", status=status)
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and similar proxies would otherwise hold tokens back
    return response


async def single_event(event: str, data: dict[str, Any]) -> AsyncIterator[str]:
    yield sse_event(event, data)


def error_response(message: str, status: int = 400) -> StreamingHttpResponse:
    """A refusal the chat page shows like any other error (it reads the event, whatever the status)."""
    return event_stream_response(single_event("error", {"message": message}), status=status)
