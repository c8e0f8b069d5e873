"""Anthropic adapter against a local server speaking the Messages API and its SSE events."""

from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from apps.service_providers import errors
from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.models import LlmProviderModel, LlmUsage
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.service_providers.tests.fake_http import FakeResponse, sse

pytestmark = pytest.mark.django_db
MESSAGES = "/v1/messages"
FAST = CallOptions(max_retries=0, timeout=5)


def message(content: list[dict], stop_reason: str = "end_turn") -> FakeResponse:
    return FakeResponse(
        body={
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5",
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": 7},
        }
    )


def text(value: str) -> FakeResponse:
    return message([{"type": "text", "text": value}])


def error(status: int, kind: str, text_: str, headers: dict | None = None) -> FakeResponse:
    return FakeResponse(status, {"type": "error", "error": {"type": kind, "message": text_}}, headers or {})


def streamed(tokens: list[str]) -> FakeResponse:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_2",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 15, "output_tokens": 1},
        },
    }
    events: list[tuple[str, dict[str, Any]]] = [("message_start", start)]
    events.append(
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
    )
    events.append(("ping", {"type": "ping"}))
    for token in tokens:
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token}}
        events.append(("content_block_delta", delta))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"input_tokens": 15, "output_tokens": len(tokens)},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    # message_delta carries cumulative usage, input tokens included, as the API sends it today.
    return sse(events, named=True)


@pytest.fixture
def provider(fake_server):
    return LlmProviderFactory(
        type="anthropic", name="Claude", config={"api_key": "sk-ant-1", "base_url": fake_server.url}
    )


@pytest.fixture
def haiku():
    return LlmProviderModel.objects.get(team=None, type="anthropic", name="claude-haiku-4-5")


def call(chat_model, provider, messages, method="invoke", model="claude-haiku-4-5"):
    with translate_errors(provider=provider.name, model=model):
        result = getattr(chat_model, method)(messages)
        return list(result) if method == "stream" else result


def test_text_reply_uses_the_messages_api(fake_server, provider, haiku):
    fake_server.route("POST", MESSAGES, text("Hello from Claude"))
    chat_model = get_chat_model(provider, haiku, CallOptions(max_tokens=100, temperature=0.1))

    reply = call(chat_model, provider, [SystemMessage("Be brief."), HumanMessage("Hi")])

    assert reply.text == "Hello from Claude"
    request = fake_server.requests[0]
    # Current SDKs send the key as a bearer token; older ones as x-api-key. The API takes both.
    assert request.headers.get("x-api-key") == "sk-ant-1" or request.headers["authorization"] == "Bearer sk-ant-1"
    assert "anthropic-version" in request.headers
    body = request.json()
    assert body["model"] == "claude-haiku-4-5"
    assert body["max_tokens"] == 100
    assert body["system"] == "Be brief." or body["system"][0]["text"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    usage = LlmUsage.objects.get()
    assert (usage.input_tokens, usage.output_tokens) == (20, 7)
    assert float(usage.cost) == pytest.approx((20 * 1 + 7 * 5) / 1_000_000)


def test_streaming_events(fake_server, provider, haiku):
    fake_server.route("POST", MESSAGES, streamed(["Bon", "jour"]))
    chunks = call(
        get_chat_model(provider, haiku, CallOptions(streaming=True)), provider, [HumanMessage("Hi")], "stream"
    )
    assert "".join(chunk.text for chunk in chunks) == "Bonjour"
    assert fake_server.requests[0].json()["stream"] is True
    usage = LlmUsage.objects.get()
    assert (usage.input_tokens, usage.output_tokens) == (15, 2)


@tool
def lookup_clinic(district: str) -> str:
    """Find the nearest clinic in a district."""
    return f"Clinic A in {district}"


def test_tool_use_round_trip(fake_server, provider, haiku):
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "lookup_clinic", "input": {"district": "Kibera"}}
    fake_server.route("POST", MESSAGES, [message([tool_use], "tool_use"), text("Go to Clinic A")])
    chat_model = get_chat_model(provider, haiku, FAST).bind_tools([lookup_clinic])
    messages = [HumanMessage("Where is a clinic in Kibera?")]

    first = call(chat_model, provider, messages)
    assert first.tool_calls[0]["name"] == "lookup_clinic"
    assert first.tool_calls[0]["args"] == {"district": "Kibera"}
    messages += [first, ToolMessage(lookup_clinic.invoke(first.tool_calls[0]["args"]), tool_call_id="toolu_1")]
    assert call(chat_model, provider, messages).text == "Go to Clinic A"

    sent_tool = fake_server.requests[0].json()["tools"][0]
    assert sent_tool["name"] == "lookup_clinic"
    assert sent_tool["input_schema"]["properties"]["district"]["type"] == "string"
    tool_result = fake_server.requests[1].json()["messages"][2]["content"][0]
    assert tool_result["type"] == "tool_result"
    assert tool_result["tool_use_id"] == "toolu_1"


class Triage(BaseModel):
    urgent: bool
    reason: str


def test_structured_output(fake_server, provider, haiku):
    answer = {"type": "tool_use", "id": "toolu_2", "name": "Triage", "input": {"urgent": True, "reason": "fever"}}
    fake_server.route("POST", MESSAGES, message([answer], "tool_use"))
    chat_model = get_chat_model(provider, haiku, FAST).with_structured_output(Triage, method="function_calling")
    assert call(chat_model, provider, [HumanMessage("High fever")]) == Triage(urgent=True, reason="fever")
    assert fake_server.requests[0].json()["tool_choice"]["name"] == "Triage"


def test_rejected_key(fake_server, provider, haiku):
    fake_server.route("POST", MESSAGES, error(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(errors.AuthenticationFailed, match="The API key for provider 'Claude' was rejected"):
        call(get_chat_model(provider, haiku, FAST), provider, [HumanMessage("Hi")])


def test_unknown_model(fake_server, provider):
    fake_server.route("POST", MESSAGES, error(404, "not_found_error", "model: claude-9"))
    with pytest.raises(errors.ModelNotFound, match="Model 'claude-9' does not exist"):
        call(get_chat_model(provider, "claude-9", FAST), provider, [HumanMessage("Hi")], model="claude-9")


def test_overloaded_then_success(fake_server, provider, haiku):
    limited = error(429, "rate_limit_error", "slow down", {"retry-after-ms": "10"})
    fake_server.route("POST", MESSAGES, [limited, text("ok")])
    assert (
        call(get_chat_model(provider, haiku, CallOptions(max_retries=2)), provider, [HumanMessage("Hi")]).text == "ok"
    )
    assert len(fake_server.requests) == 2


def test_timeout(fake_server, provider, haiku):
    fake_server.route("POST", MESSAGES, FakeResponse(body={}, delay=2))
    with pytest.raises(errors.ProviderTimeout):
        call(get_chat_model(provider, haiku, CallOptions(timeout=0.3, max_retries=0)), provider, [HumanMessage("Hi")])


def test_an_image_block_is_sent_as_a_base64_image_source(fake_server, provider, haiku):
    fake_server.route("POST", MESSAGES, text("A rash"))
    chat_model = get_chat_model(provider, haiku, CallOptions(max_tokens=100))
    image = {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}
    call(chat_model, provider, [HumanMessage(content=[{"type": "text", "text": "What is this?"}, image])])
    [message] = fake_server.requests[0].json()["messages"]
    assert message["content"][0] == {"type": "text", "text": "What is this?"}
    assert message["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }
