"""What a pipeline run records of itself: the trace and its spans, as plain data. The runtime fills
them in; the trace writer (writer.py) stores them as `Trace` and `Span` rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SpanRecord:
    node_id: str
    node_name: str
    node_type: str
    input: str
    started_at: datetime
    output: str = ""
    duration_ms: int = 0
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # route, token usage, state changes


@dataclass
class TraceRecord:
    input: str
    started_at: datetime
    pipeline_id: int | None = None
    chatbot_id: int | None = None
    session_id: int | None = None
    output: str = ""
    status: str = "running"  # success | error | cancelled
    error: str = ""
    duration_ms: int = 0
    spans: list[SpanRecord] = field(default_factory=list)
