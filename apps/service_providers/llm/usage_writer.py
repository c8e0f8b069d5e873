"""Writes usage rows off the call path.

A model call should not wait for its accounting insert (about 1 ms per commit), so rows go to a queue
that one daemon thread per process drains in batches. `flush_usage()` waits for the queue to empty;
it runs at interpreter exit, and tests call it (or use synchronous mode, the default under pytest,
because the writer thread's connection cannot see a test's uncommitted transaction).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
BATCH_SIZE = 200


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


class UsageWriter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[dict[str, Any] | _Flush] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, row: dict[str, Any]) -> None:
        if getattr(settings, "LLM_USAGE_WRITE_SYNC", False):
            _write([row])
            return
        self._ensure_thread()
        self._queue.put(row)

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
                self._thread = threading.Thread(target=self._run, name="llm-usage-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            rows: list[dict[str, Any]] = []
            markers: list[_Flush] = []
            while True:
                if isinstance(item, _Flush):
                    markers.append(item)
                else:
                    rows.append(item)
                if len(rows) >= BATCH_SIZE:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if rows:
                try:
                    _write(rows)
                except Exception:  # noqa: BLE001 - accounting must never stop the writer
                    logger.exception("Could not record %d LLM usage rows", len(rows))
                    close_old_connections()
            for marker in markers:
                marker.done.set()


def _write(rows: list[dict[str, Any]]) -> None:
    from apps.service_providers.models import LlmUsage

    LlmUsage.objects.bulk_create([LlmUsage(**row) for row in rows])


usage_writer = UsageWriter()
atexit.register(usage_writer.flush)


def flush_usage(timeout: float = 10.0) -> bool:
    """Wait until every usage row submitted so far is written."""
    return usage_writer.flush(timeout)
