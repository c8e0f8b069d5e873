"""A bot reply as it happens, for async views: `token` events while the model writes, then `done`
with the stored reply or `error`.

`respond` is synchronous and talks to the database, so it runs on the request's own sync thread and
its tokens reach the event loop as the model writes them (`apps.utils.thread_events`). If the
client goes away (the Stop button aborts the request), the run stops at its next token and the
reply written so far is stored, marked stopped, so the transcript is complete and true."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from apps.conversations.bot import BotError, BotReply, respond
from apps.experiments.models import ExperimentSession
from apps.utils.thread_events import events_from_thread

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyEvent:
    kind: Literal["token", "done", "error"]
    text: str = ""  # a token
    reply: BotReply | None = None  # done
    error: BotError | None = None  # error: None for an unexpected failure (logged here)


def reply_stream(session: ExperimentSession, text: str, **respond_options: Any) -> AsyncIterator[ReplyEvent]:
    """`respond(session, text, **respond_options)`, streamed."""
    stop = threading.Event()

    def produce(emit: Callable[[ReplyEvent], None]) -> None:
        try:
            reply = respond(
                session,
                text,
                on_token=lambda token: emit(ReplyEvent("token", text=token)),
                stop=stop,
                **respond_options,
            )
        except BotError as error:
            emit(ReplyEvent("error", error=error))
        except Exception:
            logger.exception("Reply to session %s failed", session.pk)
            emit(ReplyEvent("error"))
        else:
            emit(ReplyEvent("done", reply=reply))

    return events_from_thread(produce, on_abandon=stop.set)
