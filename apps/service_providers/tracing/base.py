"""What a trace provider type receives: one finished chatbot run, independent of our models.

`apps.trace.export` builds a `TracePayload` from the stored `Trace` and `Span` rows; each tracing
type (one module per type, listed in `registry.py`) turns it into its own wire format in
`export_trace`. Ids are stable (derived from our trace id) so a retried export updates the same
records at the provider instead of duplicating them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apps.service_providers.provider_type import ProviderType


@dataclass(frozen=True)
class SpanPayload:
    id: str
    name: str
    node_type: str
    input: str
    output: str
    error: str
    started_at: datetime
    ended_at: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TracePayload:
    id: str
    name: str
    input: str
    output: str
    status: str
    error: str
    started_at: datetime
    ended_at: datetime
    session_id: str = ""
    user_id: str = ""
    version: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    spans: list[SpanPayload] = field(default_factory=list)


@dataclass(frozen=True)
class ExportResult:
    sent: int
    failed: list[str] = field(default_factory=list)  # one message per record the provider refused

    @property
    def ok(self) -> bool:
        return not self.failed


class TracingProviderType(ProviderType):
    def export_trace(self, settings: Any, trace: TracePayload) -> ExportResult:
        """Send one trace with its spans. Raise ProviderError when the call fails as a whole
        (retryable ones: RateLimited, ProviderUnavailable, ProviderTimeout); records the provider
        refused one by one come back in `ExportResult.failed`."""
        raise NotImplementedError
