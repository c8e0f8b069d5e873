"""Events made by synchronous code (the bot, a pipeline run) handed to an async view as they happen.

`produce(emit)` runs on the request's own sync thread (thread-sensitive: under ASGI one per request,
whose database connection Django closes at the end), never on the event loop; each `emit(event)`
crosses back to the loop through an asyncio queue, so the consumer gets it at once. If the consumer
stops early (the client went away), `on_abandon` is called and the worker is still let finish."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from asgiref.sync import sync_to_async

T = TypeVar("T")

# Workers whose consumer has gone: referenced here so the event loop does not drop them unfinished.
_orphaned_workers: set[asyncio.Future] = set()


async def events_from_thread(
    produce: Callable[[Callable[[T], None]], None], *, on_abandon: Callable[[], None] | None = None
) -> AsyncIterator[T]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[T] | None] = asyncio.Queue()

    def put(item: tuple[T] | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            produce(lambda event: put((event,)))
        finally:
            put(None)

    worker = asyncio.ensure_future(sync_to_async(run, thread_sensitive=True)())
    finished = False
    try:
        while (item := await queue.get()) is not None:
            yield item[0]
        finished = True
    finally:
        if finished:
            await worker
        else:
            if on_abandon is not None:
                on_abandon()
            _orphaned_workers.add(worker)
            worker.add_done_callback(_orphaned_workers.discard)
