"""Run traces written off the request path (apps/utils/batch_writer.py): a chat reply names its trace
by an id taken up front from the trace table's own sequence, and the trace and its spans are written
moments later with the other traces of the batch, in one transaction per batch.

Ids come from the sequence in blocks (one query per block per process), so traces of one process
are numbered in order but different processes' numbers interleave; pages order traces by start time.
The export to a chatbot's trace provider waits for the row (apps/trace/tasks.py)."""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass

from django.db import connection, transaction

from apps.trace.models import Span, Trace
from apps.trace.records import TraceRecord
from apps.utils import storable
from apps.utils.batch_writer import BatchWriter

_ID_BLOCK = 50


@dataclass
class PendingTrace:
    trace_id: int
    team_id: int
    record: TraceRecord


class _TraceIds:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: deque[int] = deque()

    def next(self) -> int:
        with self._lock:
            if self._free:
                return self._free.popleft()
        # Reserved outside the lock: the query may wait for a pooled connection. Two threads that
        # both find the block empty reserve two blocks; the spare ids serve later traces.
        block = _reserve(_ID_BLOCK)
        with self._lock:
            self._free.extend(block)
            return self._free.popleft()

    def forget(self) -> None:
        """In a forked child: the parent's reserved ids are the parent's."""
        self._lock = threading.Lock()
        self._free = deque()


def _reserve(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Trace._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def is_reserved(trace_id: int) -> bool:
    """Whether the id has been handed out to a run (its trace may still be on its way): one sequence
    read, checked before anything costlier."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)", [Trace._meta.db_table]
        )
        last = cursor.fetchone()[0]
    return last is not None and 0 < trace_id <= last


def trace_rows(trace_id: int, team_id: int, record: TraceRecord) -> tuple[Trace, list[Span]]:
    """The unsaved rows of one run's trace, scrubbed of what PostgreSQL cannot store (a NUL from a
    model or a node): one bad value must not lose the batch's traces."""
    scrub = storable.scrub
    trace = Trace(
        pk=trace_id,
        team_id=team_id,
        pipeline_id=record.pipeline_id,
        chatbot_id=record.chatbot_id,
        session_id=record.session_id,
        input=scrub(record.input),
        output=scrub(record.output),
        status=record.status,
        error=scrub(record.error),
        started_at=record.started_at,
        duration_ms=record.duration_ms,
    )
    spans = [
        Span(
            team_id=team_id,
            trace_id=trace_id,
            position=position,
            node_id=span.node_id,
            node_name=scrub(span.node_name),
            node_type=span.node_type,
            input=scrub(span.input),
            output=scrub(span.output),
            error=scrub(span.error),
            started_at=span.started_at,
            duration_ms=span.duration_ms,
            details=scrub(span.details),
        )
        for position, span in enumerate(record.spans)
    ]
    return trace, spans


def _write(batch: list[PendingTrace]) -> None:
    rows = [trace_rows(pending.trace_id, pending.team_id, pending.record) for pending in batch]
    with transaction.atomic(savepoint=False):
        Trace.objects.bulk_create([trace for trace, _ in rows])
        Span.objects.bulk_create([span for _, spans in rows for span in spans])


trace_ids = _TraceIds()
os.register_at_fork(after_in_child=trace_ids.forget)
trace_writer: BatchWriter[PendingTrace] = BatchWriter("trace-writer", _write, sync_setting="TRACE_WRITE_SYNC")


def write_trace_now(team_id: int, record: TraceRecord) -> int:
    trace_id = trace_ids.next()
    _write([PendingTrace(trace_id, team_id, record)])
    return trace_id


def write_trace_later(team_id: int, record: TraceRecord) -> int:
    """The id the trace will have once written."""
    trace_id = trace_ids.next()
    trace_writer.submit(PendingTrace(trace_id, team_id, record))
    return trace_id


def flush_traces(timeout: float = 10.0) -> bool:
    """Wait until every trace submitted so far is written."""
    return trace_writer.flush(timeout)
