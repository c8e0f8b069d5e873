"""Rows written off the request path, in batches, by one daemon thread per process.

For records a request produces but does not need to wait for (LLM usage, run traces): a commit per
record costs more than the request's own work, so records go to a queue that a writer thread drains
in batches, one bulk insert per batch. `flush()` waits until everything submitted so far is written;
it runs at interpreter exit, and tests call it, or use synchronous mode (`sync_setting`, on by default
under pytest, because the writer thread's connection cannot see a test's uncommitted transaction).
A record is lost only if the process dies (SIGKILL, out of memory: a SIGTERM'd server exits through
its exit hooks) before its batch is written: at most the records of the last `linger` seconds plus the
batch being written, and never more than two batches, because a submit that finds a whole batch
already waiting writes its record itself.

Celery worker processes write every record at once instead (`write_inline`, called by the worker's
start signals, apps/utils/apps.py): a prefork child exits with `os._exit`, which skips the exit-time
flush, and a killed worker must not lose the traces and usage of replies it already stored. There a
record is written before the task goes on, so before the reply that follows it; a task's caller waits
for no one, so the inserts cost no one a wait (ADR 0017).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)
Item = TypeVar("Item")


_inline = False


def write_inline(enabled: bool = True) -> None:
    """From now on, every writer of this process (and of children it forks) writes each record at
    once, in the submitting thread, before `submit` returns; a failed record is logged, not raised.
    (`False` puts the background writers back: tests that ran a worker in their own process.)"""
    global _inline
    _inline = enabled


def writing_inline() -> bool:
    return _inline


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


class BatchWriter(Generic[Item]):
    def __init__(
        self,
        name: str,
        write: Callable[[list[Item]], None],
        *,
        sync_setting: str,
        batch_size: int = 200,
        linger: float = 0.2,
    ):
        """`write(items)` stores one batch; with `settings.<sync_setting>` true, each item is written
        at once, in the caller's thread (and transaction). The writer waits up to `linger` seconds
        after a first item for more: one write per many requests, and fewer wake-ups competing with
        the requests for the interpreter."""
        self.name, self._write, self._sync_setting = name, write, sync_setting
        self._batch_size, self._linger = batch_size, linger
        self._queue: queue.SimpleQueue[Item | _Flush] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def submit(self, item: Item) -> None:
        if getattr(settings, self._sync_setting, False):
            self._write([item])
            return
        if _inline or self._queue.qsize() >= self._batch_size:
            # A worker's records (see above); or a backlog of a whole batch waiting while the writer
            # is slow (the database is): written now, in the caller's thread, so what a killed web
            # process can lose stays bounded (ADR 0017).
            self._write_batch([item])
            return
        self._ensure_thread()
        self._queue.put(item)

    def flush(self, timeout: float = 10.0) -> bool:
        if self._thread is None or not self._thread.is_alive():
            return True
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            items: list[Item] = []
            markers: list[_Flush] = []
            deadline = time.monotonic() + self._linger
            while True:
                if isinstance(item, _Flush):
                    markers.append(item)
                else:
                    items.append(item)
                if len(items) >= self._batch_size or markers:
                    break
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            if items:
                self._write_batch(items)
                # Back to the pool between batches (closed without one): the writer must not keep
                # one of the process's few connections while it waits.
                connection.close()
            for marker in markers:
                marker.done.set()

    def _write_batch(self, items: list[Item]) -> None:
        """One bad record (its chatbot deleted meanwhile, say) must not lose the rest of its batch,
        nor ever stop the writer: a failed batch is written again one record at a time."""
        try:
            self._write(items)
            return
        except Exception:  # noqa: BLE001 - logged below, per record
            close_old_connections()
            if len(items) == 1:
                logger.exception("%s could not write a record", self.name)
                return
        for item in items:
            try:
                self._write([item])
            except Exception:  # noqa: BLE001 - as above
                logger.exception("%s could not write a record", self.name)
                close_old_connections()
