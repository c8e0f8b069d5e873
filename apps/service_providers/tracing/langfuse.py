"""Langfuse: traces of chatbot runs sent to a Langfuse project (cloud or self-hosted).

Exports speak Langfuse's public batch ingestion API: `POST {host}/api/public/ingestion` with basic
auth (public key, secret key) and `{"batch": [event, ...]}`; one `trace-create` event, then one
`span-create` per node (`generation-create` for a model call with token usage). Langfuse answers
207 with `successes` and `errors` per event. Event and record ids are stable for one trace, so a
retried export is deduplicated (events) or updates the same records (bodies)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import ProviderTimeout, ProviderUnavailable, error_for_status
from apps.service_providers.http import check_url_allowed, http_client
from apps.service_providers.tracing.base import ExportResult, SpanPayload, TracePayload, TracingProviderType

EXPORT_TIMEOUT_SECONDS = 30.0


class LangfuseSettings(ProviderSettings):
    public_key: str = Field(title="Public key", pattern=r"^pk-lf-")
    secret_key: SecretStr = Field(title="Secret key")
    host: str = Field("https://cloud.langfuse.com", title="Host")


class LangfuseTracing(TracingProviderType):
    slug = "langfuse"
    label = "Langfuse"
    description = "Send traces of every chatbot run to Langfuse."
    settings_model = LangfuseSettings
    supports_test_connection = True

    def test_connection(self, settings: Any, **options: Any) -> str:
        host = settings.host.rstrip("/")
        check_url_allowed(host)
        auth = (settings.public_key, settings.secret_key.get_secret_value())
        try:
            with http_client(timeout=15) as client:
                response = client.get(f"{host}/api/public/projects", auth=auth)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Cannot reach Langfuse at {host}: {error}", provider=self.label) from error
        if response.status_code != 200:
            raise error_for_status(response.status_code, provider=self.label)
        projects = response.json().get("data", [])
        names = ", ".join(project.get("name", "?") for project in projects) or "no project"
        return f"Connected to Langfuse ({names})."

    def export_trace(self, settings: LangfuseSettings, trace: TracePayload) -> ExportResult:
        host = settings.host.rstrip("/")
        check_url_allowed(host)
        auth = (settings.public_key, settings.secret_key.get_secret_value())
        batch = ingestion_batch(trace)
        try:
            with http_client(timeout=EXPORT_TIMEOUT_SECONDS) as client:
                response = client.post(f"{host}/api/public/ingestion", json={"batch": batch}, auth=auth)
        except httpx.TimeoutException as error:
            raise ProviderTimeout(f"Langfuse at {host} did not answer in time", provider=self.label) from error
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Cannot reach Langfuse at {host}: {error}", provider=self.label) from error
        if response.status_code not in (200, 201, 207):
            raise error_for_status(response.status_code, provider=self.label, detail=response.text[:200])
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        failed = [_error_message(error) for error in answer.get("errors") or []]
        return ExportResult(sent=len(batch) - len(failed), failed=failed)


def ingestion_batch(trace: TracePayload) -> list[dict[str, Any]]:
    """The ingestion events for one trace: the trace, then one observation per span."""
    body: dict[str, Any] = {
        "id": trace.id,
        "timestamp": _iso(trace.started_at),
        "name": trace.name,
        "input": trace.input,
        "output": trace.output,
        "metadata": {**trace.metadata, "status": trace.status, **({"error": trace.error} if trace.error else {})},
    }
    if trace.session_id:
        body["sessionId"] = trace.session_id
    if trace.user_id:
        body["userId"] = trace.user_id
    if trace.tags:
        body["tags"] = trace.tags
    if trace.version:
        body["version"] = trace.version
    events = [_event(trace.id, "trace-create", body, trace.ended_at)]
    events += [_span_event(trace, span) for span in trace.spans]
    return events


def _span_event(trace: TracePayload, span: SpanPayload) -> dict[str, Any]:
    details = dict(span.details)
    usage = details.pop("usage", None)
    model = details.pop("model", None)
    body: dict[str, Any] = {
        "id": span.id,
        "traceId": trace.id,
        "name": span.name,
        "startTime": _iso(span.started_at),
        "endTime": _iso(span.ended_at),
        "input": span.input,
        "output": span.output,
        "level": "ERROR" if span.error else "DEFAULT",
        "metadata": {"node_type": span.node_type, **details},
    }
    if span.error:
        body["statusMessage"] = span.error
    if not isinstance(usage, dict):
        return _event(span.id, "span-create", body, span.ended_at)
    input_tokens, output_tokens = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    body["usage"] = {
        "input": input_tokens,
        "output": output_tokens,
        "total": input_tokens + output_tokens,
        "unit": "TOKENS",
    }
    if model:
        body["model"] = str(model)
    return _event(span.id, "generation-create", body, span.ended_at)


def _event(record_id: str, event_type: str, body: dict[str, Any], at: datetime) -> dict[str, Any]:
    # The same record and type always give the same event id: Langfuse drops a replayed event.
    event_id = str(uuid.uuid5(uuid.UUID(record_id), event_type))
    return {"id": event_id, "timestamp": _iso(at), "type": event_type, "body": body}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _error_message(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    detail = error.get("message") or error.get("error") or "rejected"
    return f"event {error.get('id', '?')}: HTTP {error.get('status', '?')} {detail}"
