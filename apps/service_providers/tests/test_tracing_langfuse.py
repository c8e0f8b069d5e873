"""Langfuse trace export against a fake server speaking the public ingestion API."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from apps.service_providers.errors import AuthenticationFailed, ProviderConfigError, ProviderUnavailable, RateLimited
from apps.service_providers.tests.fake_http import FakeResponse
from apps.service_providers.tracing.base import SpanPayload, TracePayload
from apps.service_providers.tracing.langfuse import LangfuseSettings, LangfuseTracing, ingestion_batch
from apps.service_providers.tracing.registry import TRACE_PROVIDER_TYPES

INGESTION = "/api/public/ingestion"
START = datetime(2025, 5, 1, 12, 0, 0, tzinfo=UTC)
TRACE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/traces/1"))


def payload(**overrides) -> TracePayload:
    spans = [
        SpanPayload(
            id=str(uuid.uuid5(uuid.UUID(TRACE_ID), "span:0")),
            name="start",
            node_type="start",
            input="Hi",
            output="Hi",
            error="",
            started_at=START,
            ended_at=START + timedelta(milliseconds=1),
            details={"node_id": "start"},
        ),
        SpanPayload(
            id=str(uuid.uuid5(uuid.UUID(TRACE_ID), "span:1")),
            name="assistant",
            node_type="llm",
            input="Hi",
            output="Hello!",
            error="",
            started_at=START + timedelta(milliseconds=1),
            ended_at=START + timedelta(milliseconds=801),
            details={"node_id": "llm", "usage": {"input_tokens": 12, "output_tokens": 3}, "model": "gpt-4o-mini"},
        ),
        SpanPayload(
            id=str(uuid.uuid5(uuid.UUID(TRACE_ID), "span:2")),
            name="check",
            node_type="python_code",
            input="Hello!",
            output="",
            error="ValueError: boom",
            started_at=START + timedelta(milliseconds=801),
            ended_at=START + timedelta(milliseconds=900),
            details={"node_id": "check", "printed": "x"},
        ),
    ]
    fields = {
        "id": TRACE_ID,
        "name": "Helper",
        "input": "Hi",
        "output": "Hello!",
        "status": "success",
        "error": "",
        "started_at": START,
        "ended_at": START + timedelta(seconds=1),
        "session_id": "5b0c0a7e-0000-4000-8000-000000000001",
        "user_id": "p1@example.org",
        "version": "2",
        "metadata": {"trace_id": 1, "chatbot_id": 7},
        "tags": ["greeting"],
        "spans": spans,
    }
    return TracePayload(**{**fields, **overrides})


def settings_for(host: str) -> LangfuseSettings:
    return LangfuseSettings(public_key="pk-lf-abc", secret_key=SecretStr("sk-lf-xyz"), host=host + "/")


def accepted(request) -> FakeResponse:
    ids = [event["id"] for event in request.json()["batch"]]
    return FakeResponse(207, {"successes": [{"id": i, "status": 201} for i in ids], "errors": []})


def test_the_batch_is_one_trace_and_one_observation_per_span():
    batch = ingestion_batch(payload())
    assert [event["type"] for event in batch] == ["trace-create", "span-create", "generation-create", "span-create"]
    trace_event = batch[0]
    assert trace_event["timestamp"] == "2025-05-01T12:00:01Z"
    assert trace_event["body"] == {
        "id": TRACE_ID,
        "timestamp": "2025-05-01T12:00:00Z",
        "name": "Helper",
        "input": "Hi",
        "output": "Hello!",
        "sessionId": "5b0c0a7e-0000-4000-8000-000000000001",
        "userId": "p1@example.org",
        "version": "2",
        "tags": ["greeting"],
        "metadata": {"trace_id": 1, "chatbot_id": 7, "status": "success"},
    }
    start, generation, failed = (event["body"] for event in batch[1:])
    assert start == {
        "id": str(uuid.uuid5(uuid.UUID(TRACE_ID), "span:0")),
        "traceId": TRACE_ID,
        "name": "start",
        "startTime": "2025-05-01T12:00:00Z",
        "endTime": "2025-05-01T12:00:00.001000Z",
        "input": "Hi",
        "output": "Hi",
        "level": "DEFAULT",
        "metadata": {"node_type": "start", "node_id": "start"},
    }
    assert generation["model"] == "gpt-4o-mini"
    assert generation["usage"] == {"input": 12, "output": 3, "total": 15, "unit": "TOKENS"}
    assert generation["metadata"] == {"node_type": "llm", "node_id": "llm"}
    assert (failed["level"], failed["statusMessage"]) == ("ERROR", "ValueError: boom")
    assert failed["metadata"] == {"node_type": "python_code", "node_id": "check", "printed": "x"}


def test_event_ids_are_unique_and_stable_so_a_retry_is_deduplicated():
    first, second = ingestion_batch(payload()), ingestion_batch(payload())
    assert [event["id"] for event in first] == [event["id"] for event in second]
    assert len({event["id"] for event in first}) == len(first)
    for event in first:
        uuid.UUID(event["id"])


def test_a_trace_without_session_or_user_leaves_them_out():
    body = ingestion_batch(payload(session_id="", user_id="", tags=[], version="", error="Node failed"))[0]["body"]
    assert "sessionId" not in body
    assert "userId" not in body
    assert "tags" not in body
    assert "version" not in body
    assert body["metadata"]["error"] == "Node failed"


def test_export_posts_the_batch_with_basic_auth(fake_server):
    fake_server.route("POST", INGESTION, accepted)
    provider = TRACE_PROVIDER_TYPES["langfuse"]

    result = provider.export_trace(settings_for(fake_server.url), payload())

    assert result.ok
    assert result.sent == 4
    [request] = fake_server.requests_to(INGESTION)
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"pk-lf-abc:sk-lf-xyz").decode()
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"batch": ingestion_batch(payload())}


def test_errors_in_a_207_are_reported_per_event(fake_server):
    def partly(request):
        batch = request.json()["batch"]
        return FakeResponse(
            207,
            {
                "successes": [{"id": e["id"], "status": 201} for e in batch[:-1]],
                "errors": [{"id": batch[-1]["id"], "status": 400, "message": "Invalid request data"}],
            },
        )

    fake_server.route("POST", INGESTION, partly)

    result = LangfuseTracing().export_trace(settings_for(fake_server.url), payload())

    assert not result.ok
    assert result.sent == 3
    [message] = result.failed
    assert "HTTP 400 Invalid request data" in message


@pytest.mark.parametrize(
    ("status", "error"), [(500, ProviderUnavailable), (503, ProviderUnavailable), (429, RateLimited)]
)
def test_transient_failures_raise_retryable_errors(fake_server, status, error):
    fake_server.route("POST", INGESTION, FakeResponse(status, {"message": "busy"}))
    with pytest.raises(error) as raised:
        LangfuseTracing().export_trace(settings_for(fake_server.url), payload())
    assert raised.value.retryable


def test_rejected_keys_are_not_retryable(fake_server):
    fake_server.route("POST", INGESTION, FakeResponse(401, {"message": "Invalid credentials"}))
    with pytest.raises(AuthenticationFailed) as raised:
        LangfuseTracing().export_trace(settings_for(fake_server.url), payload())
    assert not raised.value.retryable


def test_an_unreachable_host_is_retryable():
    with pytest.raises(ProviderUnavailable):
        LangfuseTracing().export_trace(settings_for("http://127.0.0.1:9"), payload())


def test_private_hosts_are_refused_when_not_allowed(settings, fake_server):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ProviderConfigError):
        LangfuseTracing().export_trace(settings_for(fake_server.url), payload())
    assert fake_server.requests == []
