"""Chat completions sent without the SDK's request transform are the SDK's requests, byte for byte,
and come back as the SDK's responses (ADR 0021)."""

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.openai_direct import DirectChatCompletions
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.models import LlmProviderModel
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory

pytestmark = pytest.mark.django_db

COMPLETIONS = "/v1/chat/completions"
# The SDK's per-attempt headers (retry count, read timeout) may differ between two calls, and its
# raw-response flag (LangChain asks the SDK for raw responses; we parse them directly) leaks onto the wire.
VARYING = {"x-stainless-retry-count", "x-stainless-read-timeout", "x-stainless-raw-response"}


@tool
def lookup(city: str) -> str:
    """The weather in a city."""
    return "sunny"


CONVERSATION = [
    SystemMessage("Be brief."),
    HumanMessage("Hi"),
    AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Accra"}, "id": "call_1"}]),
    ToolMessage("sunny", tool_call_id="call_1"),
    HumanMessage(content=[{"type": "text", "text": "and now?"}, {"type": "image_url", "image_url": {"url": "data:x"}}]),
]


def build(fake_server, *, streaming: bool = False):
    provider: Any = LlmProviderFactory(type="openai", config={"api_key": "sk-abc", "base_url": fake_server.url + "/v1"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    return get_chat_model(provider, model, CallOptions(temperature=0.3, max_retries=0, timeout=5, streaming=streaming))


def sent(request) -> tuple[dict, dict]:
    headers = {name: value for name, value in request.headers.items() if name.lower() not in VARYING}
    return request.json(), headers


@pytest.mark.parametrize("streaming", [False, True])
def test_requests_are_the_sdks_and_replies_parse_alike(fake_server, streaming):
    chat_model = build(fake_server, streaming=streaming)
    assert isinstance(chat_model.client, DirectChatCompletions)
    bound = chat_model.bind_tools([lookup])
    call = (
        (lambda: "".join(c.text for c in bound.stream(CONVERSATION)))
        if streaming
        else (lambda: bound.invoke(CONVERSATION).text)
    )

    def reply():  # a streamed body is consumed by the call it answers
        fake_server.route("POST", COMPLETIONS, wire.streamed(["Hel", "lo"]) if streaming else wire.completion("Hello"))

    reply()
    direct = call()
    chat_model.client = chat_model.root_client.chat.completions  # the SDK's own resource
    reply()
    through_sdk = call()

    assert direct == through_sdk == "Hello"
    first, second = fake_server.requests_to(COMPLETIONS)
    assert first.json() == second.json()  # the same body (keys may come in another order)
    assert sent(first) == sent(second)
    assert first.json()["messages"][2]["tool_calls"][0]["function"]["name"] == "lookup"


def test_provider_errors_are_the_sdks(fake_server):
    import openai

    chat_model = build(fake_server)
    fake_server.route("POST", COMPLETIONS, wire.error(401, "Incorrect API key provided", "invalid_api_key"))
    with pytest.raises(openai.AuthenticationError, match="Incorrect API key"):
        chat_model.invoke([HumanMessage("Hi")])
