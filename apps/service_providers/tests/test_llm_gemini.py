"""Gemini adapter against a local server speaking generateContent and its SSE stream."""

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
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
GENERATE = r"/v1(?:beta)?/models/gemini-2\.5-flash:generateContent"
STREAM = r"/v1(?:beta)?/models/gemini-2\.5-flash:streamGenerateContent"
FAST = CallOptions(max_retries=0, timeout=5)


def response(parts: list[dict], prompt_tokens: int = 11, output_tokens: int = 4) -> dict:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": "gemini-2.5-flash",
    }


def error(code: int, status: str, message: str, reason: str = "") -> FakeResponse:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    return FakeResponse(code, {"error": {"code": code, "message": message, "status": status, "details": details}})


@pytest.fixture
def provider(fake_server):
    return LlmProviderFactory(
        type="gemini", name="Gemini", config={"api_key": "AIza-test", "base_url": fake_server.url}
    )


@pytest.fixture
def flash():
    return LlmProviderModel.objects.get(team=None, type="gemini", name="gemini-2.5-flash")


def call(chat_model, provider, messages, method="invoke", model="gemini-2.5-flash"):
    with translate_errors(provider=provider.name, model=model):
        result = getattr(chat_model, method)(messages)
        return list(result) if method == "stream" else result


def test_text_reply(fake_server, provider, flash):
    fake_server.route("POST", GENERATE, FakeResponse(body=response([{"text": "Jambo"}])))
    reply = call(
        get_chat_model(provider, flash, CallOptions(temperature=0.3, max_tokens=64)), provider, [HumanMessage("Hi")]
    )
    assert reply.text == "Jambo"
    request = fake_server.requests[0]
    assert request.headers["x-goog-api-key"] == "AIza-test"
    body = request.json()
    assert body["contents"] == [{"role": "user", "parts": [{"text": "Hi"}]}]
    assert body["generationConfig"]["temperature"] == 0.3
    assert body["generationConfig"]["maxOutputTokens"] == 64
    usage = LlmUsage.objects.get()
    assert (usage.input_tokens, usage.output_tokens) == (11, 4)


def test_streaming(fake_server, provider, flash):
    chunks = [response([{"text": "Ja"}], 11, 1), response([{"text": "mbo"}], 11, 2)]
    fake_server.route("POST", STREAM, sse(chunks))
    streamed = call(
        get_chat_model(provider, flash, CallOptions(streaming=True, max_retries=0)),
        provider,
        [HumanMessage("Hi")],
        "stream",
    )
    assert "".join(chunk.text for chunk in streamed) == "Jambo"
    assert fake_server.requests[0].query["alt"] == ["sse"]


@tool
def next_appointment(patient_id: str) -> str:
    """The next appointment of a patient."""
    return "Monday 9:00"


def test_function_call_round_trip(fake_server, provider, flash):
    call_part = {"functionCall": {"name": "next_appointment", "args": {"patient_id": "P7"}}}
    fake_server.route(
        "POST", GENERATE, [FakeResponse(body=response([call_part])), FakeResponse(body=response([{"text": "Monday"}]))]
    )
    chat_model = get_chat_model(provider, flash, FAST).bind_tools([next_appointment])
    messages = [HumanMessage("When is my appointment? I am P7")]
    first = call(chat_model, provider, messages)
    assert first.tool_calls[0]["name"] == "next_appointment"
    assert first.tool_calls[0]["args"] == {"patient_id": "P7"}
    tool_call_id = first.tool_calls[0]["id"]
    messages += [first, ToolMessage("Monday 9:00", tool_call_id=tool_call_id, name="next_appointment")]
    assert call(chat_model, provider, messages).text == "Monday"

    declaration = fake_server.requests[0].json()["tools"][0]["functionDeclarations"][0]
    assert declaration["name"] == "next_appointment"
    contents = fake_server.requests[1].json()["contents"]
    assert contents[1]["parts"][0]["functionCall"]["name"] == "next_appointment"
    assert contents[2]["parts"][0]["functionResponse"]["name"] == "next_appointment"


class Intent(BaseModel):
    intent: str
    confidence: float


def test_structured_output_sends_a_response_schema(fake_server, provider, flash):
    fake_server.route(
        "POST", GENERATE, FakeResponse(body=response([{"text": '{"intent": "book", "confidence": 0.9}'}]))
    )
    chat_model = get_chat_model(provider, flash, FAST).with_structured_output(Intent, method="json_schema")
    assert call(chat_model, provider, [HumanMessage("I want to book")]) == Intent(intent="book", confidence=0.9)
    config = fake_server.requests[0].json()["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    assert set(schema["properties"]) == {"intent", "confidence"}


def test_invalid_key(fake_server, provider, flash):
    # Google answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID, not 401.
    fake_server.route(
        "POST",
        GENERATE,
        error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"),
    )
    with pytest.raises(errors.AuthenticationFailed, match="The API key for provider 'Gemini' was rejected"):
        call(get_chat_model(provider, flash, FAST), provider, [HumanMessage("Hi")])


def test_unknown_model(fake_server, provider):
    fake_server.route(
        "POST", r"/v1(?:beta)?/models/gemini-9:generateContent", error(404, "NOT_FOUND", "models/gemini-9 is not found")
    )
    with pytest.raises(errors.ModelNotFound, match="Model 'gemini-9' does not exist"):
        call(get_chat_model(provider, "gemini-9", FAST), provider, [HumanMessage("Hi")], model="gemini-9")


def test_rate_limited_then_success(fake_server, provider, flash):
    limited = error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")
    fake_server.route("POST", GENERATE, [limited, FakeResponse(body=response([{"text": "ok"}]))])
    assert (
        call(get_chat_model(provider, flash, CallOptions(max_retries=2)), provider, [HumanMessage("Hi")]).text == "ok"
    )
    assert len(fake_server.requests) == 2


def test_timeout(fake_server, provider, flash):
    fake_server.route("POST", GENERATE, FakeResponse(body={}, delay=2))
    with pytest.raises(errors.ProviderTimeout):
        call(get_chat_model(provider, flash, CallOptions(timeout=0.5, max_retries=0)), provider, [HumanMessage("Hi")])


def test_an_image_block_is_sent_as_inline_data(fake_server, provider, flash):
    fake_server.route("POST", GENERATE, FakeResponse(body=response([{"text": "A rash"}])))
    image = {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}
    message = HumanMessage(content=[{"type": "text", "text": "What is this?"}, image])
    call(get_chat_model(provider, flash, FAST), provider, [message])
    [content] = fake_server.requests[0].json()["contents"]
    assert content["parts"][0] == {"text": "What is this?"}
    inline = content["parts"][1]["inlineData"]
    assert inline["data"] == "iVBORw0KGgo="
    # The SDK writes the field in snake case here; the API reads proto3 JSON, which takes either spelling.
    assert "image/png" in (inline.get("mimeType"), inline.get("mime_type"))
