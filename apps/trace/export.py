"""Export of stored traces to a chatbot's external trace provider (e.g. Langfuse).

The bot runtime calls `schedule_trace_export` once a reply is stored; the queued task
(`apps.trace.tasks.export_trace_to_provider`) calls `export_trace`, which reads the `Trace` and
`Span` rows, builds a provider-neutral `TracePayload` and hands it to the provider type. Built-in
traces are always kept; an export that fails is logged and never touches the reply."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from apps.chat.models import ChatMessage
from apps.experiments.models import Experiment, ExperimentSession
from apps.service_providers.models import TraceProvider
from apps.service_providers.tracing.base import ExportResult, SpanPayload, TracePayload
from apps.trace.models import Span, Trace

logger = logging.getLogger(__name__)

MAX_TEXT = 50_000  # characters per input or output sent; providers cap a batch at a few megabytes
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 30 * 60


class TraceNotStored(Exception):
    """The trace is not in the database (yet: chat replies' traces are written just after the reply,
    by apps/trace/writer.py; or any more)."""


def schedule_trace_export(version: Experiment, trace_id: int | None) -> None:
    """Once the current transaction commits, queue the export of this run's trace when the served
    version names a trace provider. A broker failure is logged, never raised to the caller."""
    provider_id = version.trace_provider_id  # type: ignore[attr-defined]
    if trace_id is None or provider_id is None:
        return
    from apps.trace.tasks import export_trace_to_provider

    transaction.on_commit(
        lambda: export_trace_to_provider.delay(trace_id=trace_id, provider_id=provider_id), robust=True
    )


def export_trace(*, trace_id: int, provider_id: int) -> ExportResult | None:
    """Send one stored trace to one trace provider of the same team. None when the provider is gone;
    TraceNotStored when the trace is not there.
    Raises ProviderError when the call fails as a whole (`error.retryable` says whether to retry)."""
    trace = Trace.objects.select_related("team", "pipeline").filter(pk=trace_id).first()
    if trace is None:
        raise TraceNotStored(trace_id)
    provider = TraceProvider.objects.filter(pk=provider_id, team_id=trace.team_id).first()
    if provider is None:
        logger.info("Trace export skipped: trace provider %s no longer exists", provider_id)
        return None
    result = provider.provider_type.export_trace(provider.get_settings(), trace_payload(trace))
    if not result.ok:
        logger.warning(
            "Trace %s: %s refused %d of %d records: %s",
            trace.pk,
            provider,
            len(result.failed),
            result.sent + len(result.failed),
            "; ".join(result.failed),
        )
    return result


def retry_delay(retries: int) -> int:
    """Seconds before retry number `retries + 1`: 30 s, 1 min, 2 min, … capped at 30 min."""
    return min(RETRY_BASE_SECONDS * 2**retries, RETRY_MAX_SECONDS)


def external_trace_id(trace: Trace) -> str:
    """The id a provider knows this trace by: stable for the trace, distinct across deployments."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/traces/{trace.pk}"))


def trace_payload(trace: Trace) -> TracePayload:
    trace_uuid = external_trace_id(trace)
    session = (
        ExperimentSession.objects.filter(pk=trace.session_id, team_id=trace.team_id)
        .select_related("participant", "experiment")
        .first()
        if trace.session_id
        else None
    )
    chatbot = session.experiment if session else None
    if chatbot is None and trace.chatbot_id is not None:
        chatbot = Experiment.objects.filter(pk=trace.chatbot_id, team_id=trace.team_id).first()
    reply = _reply_for(trace, session)
    metadata = {
        "trace_id": trace.pk,
        "chatbot_id": trace.chatbot_id,
        "session_id": trace.session_id,
        "pipeline_id": trace.pipeline_id,
        "duration_ms": trace.duration_ms,
        "trace_url": settings.SITE_URL + reverse("trace:detail", kwargs={"team_slug": trace.team.slug, "pk": trace.pk}),
    }
    if session:
        metadata["platform"] = session.platform
    version = reply.metadata.get("version") if reply else None
    return TracePayload(
        id=trace_uuid,
        name=chatbot.name if chatbot else (trace.pipeline.name if trace.pipeline else "Pipeline run"),
        input=_clip(trace.input),
        output=_clip(trace.output),
        status=trace.status,
        error=_clip(trace.error),
        started_at=trace.started_at,
        ended_at=trace.started_at + timedelta(milliseconds=trace.duration_ms),
        session_id=str(session.public_id) if session else "",
        user_id=session.participant.identifier if session else "",
        version=str(version) if version is not None else "",
        metadata=metadata,
        tags=sorted(reply.tags or []) if reply else [],
        spans=[_span_payload(trace_uuid, span) for span in trace.spans.all()],
    )


def _span_payload(trace_uuid: str, span: Span) -> SpanPayload:
    return SpanPayload(
        id=str(uuid.uuid5(uuid.UUID(trace_uuid), f"span:{span.position}")),
        name=span.node_name or span.node_id,
        node_type=span.node_type,
        input=_clip(span.input),
        output=_clip(span.output),
        error=_clip(span.error),
        started_at=span.started_at,
        ended_at=span.started_at + timedelta(milliseconds=span.duration_ms),
        details={"node_id": span.node_id, **(span.details or {})},
    )


def _reply_for(trace: Trace, session: ExperimentSession | None) -> ChatMessage | None:
    if session is None:
        return None
    return ChatMessage.objects.filter(
        chat_id=session.chat_id, message_type=ChatMessage.Type.AI, metadata__trace_id=trace.pk
    ).first()


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "… [truncated]"
