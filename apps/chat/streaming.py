"""A bot reply as it happens, for async views: `token` events while the model writes, then `done`
with the stored reply or `error`.

`respond` is synchronous and talks to the database, so it runs on the request's own sync thread
(thread-sensitive: under ASGI one per request, whose connection Django closes at the end); tokens
cross back to the event loop through an asyncio queue as soon as the model writes them. If the
client goes away, the worker still finishes, so the reply is stored and the transcript complete."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from asgiref.sync import sync_to_async

from apps.chat.bot import BotError, BotReply, respond
from apps.experiments.models import ExperimentSession

logger = logging.getLogger(__name__)

# Workers whose client has gone: referenced here so the event loop does not drop them unfinished.
_orphaned_workers: set[asyncio.Future] = set()


@dataclass(frozen=True)
class ReplyEvent:
    kind: Literal["token", "done", "error"]
    text: str = ""  # a token
    reply: BotReply | None = None  # done
    error: BotError | None = None  # error: None for an unexpected failure (logged here)


async def reply_stream(session: ExperimentSession, text: str, **respond_options: Any) -> AsyncIterator[ReplyEvent]:
    """`respond(session, text, **respond_options)`, streamed."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[ReplyEvent | None] = asyncio.Queue()

    def emit(event: ReplyEvent | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, event)

    def run() -> None:
        try:
            reply = respond(
                session, text, on_token=lambda token: emit(ReplyEvent("token", text=token)), **respond_options
            )
        except BotError as error:
            emit(ReplyEvent("error", error=error))
        except Exception:
            logger.exception("Reply to session %s failed", session.pk)
            emit(ReplyEvent("error"))
        else:
            emit(ReplyEvent("done", reply=reply))
        finally:
            emit(None)

    worker = asyncio.ensure_future(sync_to_async(run, thread_sensitive=True)())
    finished = False
    try:
        while (event := await queue.get()) is not None:
            yield event
        finished = True
    finally:
        if finished:
            await worker
        else:
            _orphaned_workers.add(worker)
            worker.add_done_callback(_orphaned_workers.discard)
