"""Claude at a team's own base URL, through the `anthropic` SDK with a pinned HTTP client.

`langchain_anthropic.ChatAnthropic` builds its HTTP clients itself and takes none, so its connections
go to whatever the base URL's name resolves to when each is opened: a DNS answer that changes after
the address check (rebinding) would lead it to an internal service. This model hands the SDK httpx
clients whose transports connect only to addresses checked as each request is sent
(apps/service_providers/http.py). It speaks the Messages API for what the pipeline uses: text, images
(LangChain's standard image blocks), tools and tool results, extended thinking, streaming, structured
output (a forced tool) and usage. Anthropic's own endpoint keeps ChatAnthropic (anthropic.py).

`_generate`, `_stream`, `_agenerate`, `_astream` and `_llm_type` are LangChain's documented extension
points for a chat model of one's own."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import anthropic
import httpx2
from langchain_anthropic.chat_models import convert_to_anthropic_tool
from langchain_core.language_models.chat_models import BaseChatModel, agenerate_from_stream, generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretStr

from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.http import DEFAULT_TIMEOUT_SECONDS, pin


class _PinnedTransport(httpx2.HTTPTransport):
    """http.PinnedTransport for httpx2, the HTTP library the anthropic SDK requires."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        pin(request, allow_private=None, allow_local=None)  # type: ignore[arg-type]
        return super().handle_request(request)


class _AsyncPinnedTransport(httpx2.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await asyncio.to_thread(pin, request, allow_private=None, allow_local=None)  # type: ignore[arg-type]
        return await super().handle_async_request(request)


def http_client() -> httpx2.Client:
    return httpx2.Client(timeout=DEFAULT_TIMEOUT_SECONDS, follow_redirects=False, transport=_PinnedTransport())


def async_http_client() -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        timeout=DEFAULT_TIMEOUT_SECONDS, follow_redirects=False, transport=_AsyncPinnedTransport()
    )


class PinnedChatAnthropic(BaseChatModel):
    model: str
    api_key: SecretStr
    base_url: str
    max_tokens: int
    timeout: float | None = None
    max_retries: int = 2
    streaming: bool = False
    thinking: dict[str, Any] | None = None
    parameters: dict[str, Any] = {}  # temperature, top_p, top_k, stop_sequences, ...

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _client: anthropic.Anthropic | None = PrivateAttr(default=None)
    _async_client: anthropic.AsyncAnthropic | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "anthropic-pinned"

    @property
    def client(self) -> anthropic.Anthropic:
        if self._client is None:
            self._client = anthropic.Anthropic(**self._client_arguments(), http_client=http_client())
        return self._client

    @property
    def async_client(self) -> anthropic.AsyncAnthropic:
        if self._async_client is None:
            self._async_client = anthropic.AsyncAnthropic(**self._client_arguments(), http_client=async_http_client())
        return self._async_client

    def _client_arguments(self) -> dict[str, Any]:
        return {
            "api_key": self.api_key.get_secret_value(),
            "base_url": self.base_url,
            "max_retries": self.max_retries,
            "timeout": self.timeout,
        }

    # --- tools and structured output ---------------------------------------------------------------
    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | dict[str, Any] | None = None, **kwargs: Any
    ) -> Runnable[Any, Any]:
        formatted = [convert_to_anthropic_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = _tool_choice(tool_choice)
        return self.bind(tools=formatted, **kwargs)

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any) -> Runnable[Any, Any]:
        """Every method is a forced tool call here (the tool named after the schema)."""
        name = convert_to_openai_tool(schema)["function"]["name"]
        model = self.bind_tools([schema], tool_choice=name)
        is_pydantic = isinstance(schema, type) and issubclass(schema, BaseModel)
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
        if include_raw:
            raise NotImplementedError("include_raw is not supported")
        return model | parser

    # --- calls --------------------------------------------------------------------------------------
    def _payload(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        system, formatted = format_messages(messages)
        payload: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": formatted}
        if system:
            payload["system"] = system
        if self.thinking:
            payload["thinking"] = self.thinking
        if stop:
            payload["stop_sequences"] = stop
        payload = {**payload, **self.parameters, **kwargs}
        # Sampling parameters the SDK's signature no longer names (temperature, top_p, top_k) still go
        # in the request body, as the API takes them.
        extra = {key: payload.pop(key) for key in list(payload) if key not in _create_parameters()}
        return {**payload, "extra_body": extra} if extra else payload

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        with _address_refusals():
            response = self.client.messages.create(**self._payload(messages, stop, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=to_ai_message(response))])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))
        with _address_refusals():
            response = await self.async_client.messages.create(**self._payload(messages, stop, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=to_ai_message(response))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        with _address_refusals():
            events = self.client.messages.create(**self._payload(messages, stop, **kwargs), stream=True)
        for event in events:
            chunk = to_chunk(event)
            if chunk is not None:
                if run_manager and chunk.message.content:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        with _address_refusals():
            events = await self.async_client.messages.create(**self._payload(messages, stop, **kwargs), stream=True)
        async for event in events:
            chunk = to_chunk(event)
            if chunk is not None:
                if run_manager and chunk.message.content:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk


@contextlib.contextmanager
def _address_refusals() -> Iterator[None]:
    """The SDK reports any failure to connect as "Connection error."; an address the check refused
    is the provider's configuration, and says so."""
    try:
        yield
    except anthropic.APIConnectionError as error:
        if isinstance(error.__cause__, ProviderConfigError):
            raise error.__cause__ from error
        raise


@functools.cache
def _create_parameters() -> frozenset[str]:
    return frozenset(inspect.signature(anthropic.resources.messages.Messages.create).parameters) - {"self"}


def _tool_choice(choice: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(choice, dict):
        return choice
    if choice in ("any", "required"):
        return {"type": "any"}
    if choice == "auto":
        return {"type": "auto"}
    return {"type": "tool", "name": choice}


# --- LangChain messages to the Messages API --------------------------------------------------------
def format_messages(messages: list[BaseMessage]) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages): system messages joined; consecutive turns of one role merged, as the
    API wants user and assistant to alternate (several tool results are one user turn)."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            system.append(message.text)
            continue
        if isinstance(message, ToolMessage):
            role = "user"
            content: str | list[dict[str, Any]] = [
                {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.text}
            ]
        elif isinstance(message, AIMessage):
            role, content = "assistant", _assistant_content(message)
        elif isinstance(message, HumanMessage):
            role, content = "user", _user_content(message.content)
        else:
            raise ValueError(f"Unsupported message type {type(message).__name__}")
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] = _as_blocks(turns[-1]["content"]) + _as_blocks(content)
        else:
            turns.append({"role": role, "content": content})
    return "\n\n".join(part for part in system if part), turns


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    blocks: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            blocks.append({"type": "text", "text": block})
        elif block.get("type") == "text":
            blocks.append({"type": "text", "text": block["text"]})
        elif block.get("type") == "image" and block.get("base64"):
            source = {"type": "base64", "media_type": block.get("mime_type", "image/png"), "data": block["base64"]}
            blocks.append({"type": "image", "source": source})
        elif block.get("type") == "image" and block.get("url"):
            blocks.append({"type": "image", "source": {"type": "url", "url": block["url"]}})
        elif block.get("type") == "image_url":
            blocks.append(
                _image_from_url(
                    block["image_url"]["url"] if isinstance(block["image_url"], dict) else block["image_url"]
                )
            )
        else:
            blocks.append(block)  # already in the API's shape
    return blocks


def _image_from_url(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        media_type, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _assistant_content(message: AIMessage) -> str | list[dict[str, Any]]:
    if not message.tool_calls and isinstance(message.content, str):
        return message.content
    blocks: list[dict[str, Any]] = []
    if isinstance(message.content, str):
        if message.content:
            blocks.append({"type": "text", "text": message.content})
    else:
        for block in message.content:
            if isinstance(block, str):
                blocks.append({"type": "text", "text": block})
            elif block.get("type") in ("text", "thinking", "redacted_thinking"):
                blocks.append({key: value for key, value in block.items() if key != "index"})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call["id"], "name": call["name"], "input": call["args"]})
    return blocks


# --- Messages API answers to LangChain messages ----------------------------------------------------
def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}


def to_ai_message(response: Any) -> AIMessage:
    blocks = [block.model_dump(exclude_none=True) for block in response.content]
    texts = [block["text"] for block in blocks if block["type"] == "text"]
    tool_calls = [
        {"id": block["id"], "name": block["name"], "args": block.get("input") or {}, "type": "tool_call"}
        for block in blocks
        if block["type"] == "tool_use"
    ]
    only_text = all(block["type"] == "text" for block in blocks)
    usage = response.usage
    return AIMessage(
        content="".join(texts) if only_text else [block for block in blocks if block["type"] != "tool_use"],
        tool_calls=tool_calls,
        usage_metadata=_usage(usage.input_tokens or 0, usage.output_tokens or 0),
        response_metadata={"model_name": response.model, "stop_reason": response.stop_reason, "id": response.id},
        id=response.id,
    )


def to_chunk(event: Any) -> ChatGenerationChunk | None:
    kind = event.type
    if kind == "message_start":
        usage = event.message.usage
        message = AIMessageChunk(content="", usage_metadata=_usage(usage.input_tokens or 0, 0))  # type: ignore[arg-type]
    elif kind == "content_block_start" and event.content_block.type == "tool_use":
        block = event.content_block
        chunk = tool_call_chunk(name=block.name, id=block.id, args="", index=event.index)
        message = AIMessageChunk(content="", tool_call_chunks=[chunk])
    elif kind == "content_block_delta" and event.delta.type == "text_delta":
        message = AIMessageChunk(content=event.delta.text)
    elif kind == "content_block_delta" and event.delta.type == "input_json_delta":
        chunk = tool_call_chunk(name=None, id=None, args=event.delta.partial_json, index=event.index)
        message = AIMessageChunk(content="", tool_call_chunks=[chunk])
    elif kind == "message_delta":
        output = event.usage.output_tokens or 0 if event.usage else 0
        message = AIMessageChunk(
            content="",
            usage_metadata=_usage(0, output),  # type: ignore[arg-type]
            response_metadata={"stop_reason": event.delta.stop_reason},
        )
    else:
        return None
    return ChatGenerationChunk(message=message)
