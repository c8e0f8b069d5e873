"""OpenAI adapter against a local server speaking the chat-completions wire format."""

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from apps.service_providers import errors
from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.models import LlmProviderModel, LlmUsage
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory

pytestmark = pytest.mark.django_db

COMPLETIONS = "/v1/chat/completions"
FAST = CallOptions(max_retries=0, timeout=5)


@pytest.fixture
def provider(fake_server):
    return LlmProviderFactory(
        type="openai", name="Acme OpenAI", config={"api_key": "sk-abc", "base_url": fake_server.url + "/v1"}
    )


@pytest.fixture
def catalogue_model():
    return LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")


def call(chat_model, provider, *args, model="gpt-4o-mini", method="invoke"):
    with translate_errors(provider=provider.name, model=model, retries=getattr(chat_model, "max_retries", 0)):
        return getattr(chat_model, method)(*args)


def test_text_reply_sends_the_openai_request_and_records_usage(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.completion("Hello there"))
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(temperature=0.2, max_tokens=50))

    reply = call(chat_model, provider, [HumanMessage("Hi")])

    assert reply.text == "Hello there"
    request = fake_server.requests_to(COMPLETIONS)[0]
    assert request.headers["authorization"] == "Bearer sk-abc"
    body = request.json()
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert body["temperature"] == 0.2
    usage = LlmUsage.objects.get()
    assert (usage.team_id, usage.provider_id, usage.model_name) == (provider.team_id, provider.pk, "gpt-4o-mini")
    assert (usage.input_tokens, usage.output_tokens) == (12, 5)
    # gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    assert float(usage.cost) == pytest.approx((12 * 0.15 + 5 * 0.60) / 1_000_000)


def test_parameters_the_model_does_not_accept_are_not_sent(fake_server, provider):
    reasoning_model = LlmProviderModel.objects.get(team=None, type="openai", name="o4-mini")
    fake_server.route("POST", COMPLETIONS, wire.completion("ok", model="o4-mini"))
    chat_model = get_chat_model(provider, reasoning_model, CallOptions(temperature=0.7, reasoning_effort="low"))
    call(chat_model, provider, [HumanMessage("Hi")])
    body = fake_server.requests[0].json()
    assert "temperature" not in body
    assert body["reasoning_effort"] == "low"


def test_streaming_yields_tokens_and_records_usage(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.streamed(["Hel", "lo", " world"]))
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(streaming=True))

    chunks = [chunk.text for chunk in call(chat_model, provider, [HumanMessage("Hi")], method="stream")]

    assert "".join(chunks) == "Hello world"
    assert [c for c in chunks if c] == ["Hel", "lo", " world"]
    body = fake_server.requests[0].json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    usage = LlmUsage.objects.get()
    assert (usage.input_tokens, usage.output_tokens) == (9, 3)


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


def test_tool_call_round_trip(fake_server, provider, catalogue_model):
    fake_server.route(
        "POST",
        COMPLETIONS,
        [wire.completion(None, tool_calls=[wire.tool_call("get_weather", {"city": "Lima"})]), wire.completion("Sunny")],
    )
    chat_model = get_chat_model(provider, catalogue_model, FAST).bind_tools([get_weather])
    messages = [HumanMessage("Weather in Lima?")]

    first = call(chat_model, provider, messages)
    assert first.tool_calls == [{"name": "get_weather", "args": {"city": "Lima"}, "id": "call_1", "type": "tool_call"}]
    messages += [first, ToolMessage(get_weather.invoke(first.tool_calls[0]["args"]), tool_call_id="call_1")]
    second = call(chat_model, provider, messages)

    assert second.text == "Sunny"
    sent_tools = fake_server.requests[0].json()["tools"]
    assert sent_tools[0]["function"]["name"] == "get_weather"
    assert sent_tools[0]["function"]["parameters"]["properties"]["city"]["type"] == "string"
    followup = fake_server.requests[1].json()["messages"]
    assert followup[1]["tool_calls"][0]["id"] == "call_1"
    assert followup[2] == {"role": "tool", "content": "Sunny in Lima", "tool_call_id": "call_1"}


class Answer(BaseModel):
    city: str
    temperature_c: int


def test_structured_output_uses_a_json_schema(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.completion('{"city": "Lima", "temperature_c": 21}'))
    chat_model = get_chat_model(provider, catalogue_model, FAST).with_structured_output(Answer, method="json_schema")

    answer = call(chat_model, provider, [HumanMessage("Weather?")])

    assert answer == Answer(city="Lima", temperature_c=21)
    response_format = fake_server.requests[0].json()["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Answer"
    assert set(response_format["json_schema"]["schema"]["properties"]) == {"city", "temperature_c"}


def test_rejected_key_is_a_clear_error(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.error(401, "Incorrect API key provided", "invalid_api_key"))
    with pytest.raises(errors.AuthenticationFailed, match="The API key for provider 'Acme OpenAI' was rejected"):
        call(get_chat_model(provider, catalogue_model, FAST), provider, [HumanMessage("Hi")])
    assert LlmUsage.objects.get().error  # the failed call is recorded too


def test_unknown_model_is_a_clear_error(fake_server, provider):
    fake_server.route("POST", COMPLETIONS, wire.error(404, "The model `gpt-9` does not exist", "model_not_found"))
    with pytest.raises(errors.ModelNotFound, match="Model 'gpt-9' does not exist"):
        call(get_chat_model(provider, "gpt-9", FAST), provider, [HumanMessage("Hi")], model="gpt-9")


def test_rate_limit_is_retried_then_succeeds(fake_server, provider, catalogue_model):
    limited = wire.error(429, "Rate limit reached", "rate_limit_exceeded", headers={"retry-after-ms": "10"})
    fake_server.route("POST", COMPLETIONS, [limited, limited, wire.completion("Finally")])
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(max_retries=3))
    assert call(chat_model, provider, [HumanMessage("Hi")]).text == "Finally"
    assert len(fake_server.requests) == 3


def test_rate_limit_that_persists_says_how_often_it_retried(fake_server, provider, catalogue_model):
    limited = wire.error(429, "Rate limit reached", "rate_limit_exceeded", headers={"retry-after-ms": "5"})
    fake_server.route("POST", COMPLETIONS, limited)
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(max_retries=3))
    with pytest.raises(errors.RateLimited, match="rate limited the request, retried 3 times"):
        call(chat_model, provider, [HumanMessage("Hi")])
    assert len(fake_server.requests) == 4


def test_server_error_is_retried(fake_server, provider, catalogue_model):
    failing = wire.error(500, "Internal error", "server_error", headers={"retry-after-ms": "5"})
    fake_server.route("POST", COMPLETIONS, [failing, wire.completion("Recovered")])
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(max_retries=2))
    assert call(chat_model, provider, [HumanMessage("Hi")]).text == "Recovered"


def test_timeout_is_a_clear_error(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.completion("late").__class__(body={}, delay=2))
    chat_model = get_chat_model(provider, catalogue_model, CallOptions(timeout=0.3, max_retries=0))
    with pytest.raises(errors.ProviderTimeout, match="did not answer in time"):
        call(chat_model, provider, [HumanMessage("Hi")])


def test_a_chat_model_is_built_once_per_saved_provider_and_options(fake_server, provider, catalogue_model):
    fake_server.route("POST", COMPLETIONS, wire.completion("Hi"))
    first = get_chat_model(provider, catalogue_model, CallOptions(temperature=0.1))
    assert get_chat_model(provider, catalogue_model, CallOptions(temperature=0.1)) is first
    assert get_chat_model(provider, catalogue_model, CallOptions(temperature=0.2)) is not first
    provider.config = {**provider.config, "api_key": "sk-rotated"}
    provider.save()
    rebuilt = get_chat_model(provider, catalogue_model, CallOptions(temperature=0.1))
    assert rebuilt is not first
    call(rebuilt, provider, [HumanMessage("hello")])
    assert fake_server.requests_to(COMPLETIONS)[-1].headers["authorization"] == "Bearer sk-rotated"
    # Shared between calls, the model still records each call's usage once.
    call(rebuilt, provider, [HumanMessage("again")])
    assert LlmUsage.objects.filter(provider=provider).count() == 2


def test_an_image_block_is_sent_as_an_image_url_part(fake_server, provider, catalogue_model):
    """The LLM node sends images as LangChain's standard block; OpenAI wants a data URL part."""
    fake_server.route("POST", COMPLETIONS, wire.completion("A rash"))
    chat_model = get_chat_model(provider, catalogue_model, FAST)
    image = {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}
    call(chat_model, provider, [HumanMessage(content=[{"type": "text", "text": "What is this?"}, image])])
    [message] = fake_server.requests[0].json()["messages"]
    assert message["role"] == "user"
    assert message["content"][0] == {"type": "text", "text": "What is this?"}
    assert message["content"][1]["type"] == "image_url"
    assert message["content"][1]["image_url"]["url"] == "data:image/png;base64,iVBORw0KGgo="
