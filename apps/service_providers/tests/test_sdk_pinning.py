"""Anthropic and Gemini at a team's own base URL connect only to addresses that were checked when the
request was sent: the host answers a "public" address when the model is built and checked, then the
address of an internal service (the fake server, speaking the provider's wire format). The SDK must
not reach it (DNS rebinding)."""

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from langchain_core.messages import HumanMessage

from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.llm.base import CallOptions
from apps.service_providers.tests.fake_http import FakeResponse

FAST = CallOptions(max_retries=0, timeout=5)


def run_on_own_loop(coroutine):
    """Run on a thread of its own: an earlier test in this process may have left an event loop
    running on the main thread, where asyncio.run() refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def rebound_url(server, path=""):
    return f"http://rebind.example:{urlsplit(server.url).port}{path}"


def test_gemini_chat_cannot_be_rebound_to_an_internal_service(fake_server, dns_rebinding_to_internal):
    from apps.service_providers.llm.gemini import GeminiProvider, GeminiSettings

    reply = {"candidates": [{"content": {"role": "model", "parts": [{"text": "internal data"}]}}]}
    fake_server.route("POST", r".*:generateContent", FakeResponse(body=reply))
    settings = GeminiSettings(api_key="AIza-test", base_url=rebound_url(fake_server))
    model = GeminiProvider().build_chat_model(settings, "gemini-2.5-flash", FAST)
    with pytest.raises(ProviderConfigError, match="private address"):
        model.invoke([HumanMessage("Hi")])
    assert fake_server.requests == []


def test_gemini_async_chat_cannot_be_rebound(fake_server, dns_rebinding_to_internal):
    from apps.service_providers.llm.gemini import GeminiProvider, GeminiSettings

    reply = {"candidates": [{"content": {"role": "model", "parts": [{"text": "internal data"}]}}]}
    fake_server.route("POST", r".*:generateContent", FakeResponse(body=reply))
    settings = GeminiSettings(api_key="AIza-test", base_url=rebound_url(fake_server))
    model = GeminiProvider().build_chat_model(settings, "gemini-2.5-flash", FAST)
    with pytest.raises(ProviderConfigError, match="private address"):
        run_on_own_loop(model.ainvoke([HumanMessage("Hi")]))
    assert fake_server.requests == []


def test_gemini_embeddings_cannot_be_rebound(fake_server, dns_rebinding_to_internal):
    from apps.service_providers.llm.gemini import GeminiProvider, GeminiSettings

    fake_server.route("POST", r".*:(batchE|e)mbedContents?", FakeResponse(body={"embeddings": [{"values": [0.1]}]}))
    settings = GeminiSettings(api_key="AIza-test", base_url=rebound_url(fake_server))
    embeddings = GeminiProvider().build_embeddings(settings, "gemini-embedding-001")
    with pytest.raises(Exception, match="private address"):  # the wrapper re-raises its own error
        embeddings.embed_query("Hi")
    assert fake_server.requests == []


def test_gemini_reaches_the_checked_address(fake_server, settings, monkeypatch):
    # Development rules (private addresses allowed): the pinned request still names the host.
    from apps.service_providers.llm.gemini import GeminiProvider, GeminiSettings

    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda name, *a, **k: real_getaddrinfo("127.0.0.1" if name == "rebind.example" else name, *a, **k),
    )
    reply = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Jambo"}]}}]}
    fake_server.route("POST", r".*:generateContent", FakeResponse(body=reply))
    settings_ = GeminiSettings(api_key="AIza-test", base_url=rebound_url(fake_server))
    assert GeminiProvider().build_chat_model(settings_, "gemini-2.5-flash", FAST).invoke("Hi").text == "Jambo"
    assert fake_server.requests[0].headers["host"] == f"rebind.example:{urlsplit(fake_server.url).port}"


def anthropic_model(server, **options):
    from apps.service_providers.llm.anthropic import AnthropicProvider, AnthropicSettings

    settings = AnthropicSettings(api_key="sk-ant-1", base_url=rebound_url(server))
    return AnthropicProvider().build_chat_model(
        settings, "claude-haiku-4-5", CallOptions(max_retries=0, timeout=5, **options)
    )


ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "internal data"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 2, "output_tokens": 2},
}


def test_anthropic_cannot_be_rebound_to_an_internal_service(fake_server, dns_rebinding_to_internal):
    fake_server.route("POST", "/v1/messages", FakeResponse(body=ANTHROPIC_REPLY))
    model = anthropic_model(fake_server)
    with pytest.raises(Exception, match="private address"):  # the SDK wraps it as a connection error
        model.invoke([HumanMessage("Hi")])
    with pytest.raises(Exception, match="private address"):
        run_on_own_loop(model.ainvoke([HumanMessage("Hi")]))
    with pytest.raises(Exception, match="private address"):
        list(anthropic_model(fake_server, streaming=True).stream([HumanMessage("Hi")]))
    assert fake_server.requests == []


def test_anthropic_reaches_the_checked_address_by_name(fake_server, settings, monkeypatch):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda name, *a, **k: real_getaddrinfo("127.0.0.1" if name == "rebind.example" else name, *a, **k),
    )
    fake_server.route(
        "POST", "/v1/messages", FakeResponse(body={**ANTHROPIC_REPLY, "content": [{"type": "text", "text": "Hi"}]})
    )
    assert anthropic_model(fake_server, temperature=0.2).invoke([HumanMessage("Hi")]).text == "Hi"
    request = fake_server.requests[0]
    assert request.headers["host"] == f"rebind.example:{urlsplit(fake_server.url).port}"
    assert request.json()["temperature"] == 0.2


def test_anthropic_turns_alternate_and_tool_results_share_one_user_turn():
    from langchain_core.messages import AIMessage, SystemMessage, ToolMessage

    from apps.service_providers.llm.anthropic_pinned import format_messages

    calls = [{"id": f"t{i}", "name": "lookup", "args": {"q": i}} for i in (1, 2)]
    system, turns = format_messages(
        [
            SystemMessage("Be brief."),
            HumanMessage("Find both"),
            AIMessage("", tool_calls=calls),
            ToolMessage("one", tool_call_id="t1"),
            ToolMessage("two", tool_call_id="t2"),
        ]
    )
    assert system == "Be brief."
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    assert [block["tool_use_id"] for block in turns[2]["content"]] == ["t1", "t2"]
    assert turns[1]["content"][0] == {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": 1}}
