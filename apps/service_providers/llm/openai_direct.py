"""Chat completions sent without the OpenAI SDK's request transform (ADR 0021).

`openai` walks every request body against its TypedDict annotations before sending it, to apply
aliases and formats (`maybe_transform`). Chat-completions request types have none, so the walk
returns what it was given, but it costs time in proportion to the messages: on this machine about
0.25 ms a message, 10 ms for a 20-turn conversation, more than the rest of our message path (the
same cost is reported and skipped by others: openai-python PR 3616, litellm PR 29769).

`DirectChatCompletions` stands in for the SDK's `client.chat.completions` in a LangChain
`ChatOpenAI` (its public `client` field). It answers the two calls LangChain makes on it, `create`
and `with_raw_response.create`, through the SDK's public generic `OpenAI.post` with the same path,
body, options and response types as the SDK's own `create`: retries, errors, authentication, timeouts
and streaming stay the SDK's. `tests/test_openai_direct.py` checks the bytes sent are the SDK's."""

from __future__ import annotations

from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

_PATH = "/chat/completions"


def _options(params: dict[str, Any]) -> openai.RequestOptions:
    """The request options the SDK's `create` makes of its extra_* and timeout arguments."""
    options: openai.RequestOptions = {"security": {"bearer_auth": True}}
    if (headers := params.pop("extra_headers", None)) is not None:
        options["headers"] = headers
    if (body := params.pop("extra_body", None)) is not None:
        options["extra_json"] = body
    if (query := params.pop("extra_query", None)) is not None:
        options["params"] = query
    if "timeout" in params:
        options["timeout"] = params.pop("timeout")
    return options


class DirectChatCompletions:
    """`client.chat.completions` for LangChain, minus the request transform."""

    def __init__(self, client: openai.OpenAI):
        self.client = client
        self.with_raw_response = _RawChatCompletions(self)

    def create(self, **params: Any) -> ChatCompletion | openai.Stream[ChatCompletionChunk]:
        options = _options(params)
        return self.client.post(
            _PATH,
            body=params,
            options=options,
            cast_to=ChatCompletion,
            stream=bool(params.get("stream")),
            stream_cls=openai.Stream[ChatCompletionChunk],
        )


class _RawChatCompletions:
    """LangChain asks for the raw response only to read headers when told to include them (we never
    do) and to call `parse()`; the parsed completion is what it gets."""

    def __init__(self, completions: DirectChatCompletions):
        self.completions = completions

    def create(self, **params: Any) -> _Parsed:
        return _Parsed(self.completions.create(**params))


class _Parsed:
    def __init__(self, result: Any):
        self.result = result

    def parse(self) -> Any:
        return self.result


def send_without_transform(chat_model: Any) -> Any:
    """Make a built `ChatOpenAI` send through `DirectChatCompletions` (only on OpenAI's own client
    class: Azure's rewrites paths per deployment)."""
    root = getattr(chat_model, "root_client", None)
    if type(root) is openai.OpenAI and not chat_model.include_response_headers:
        chat_model.client = DirectChatCompletions(root)
    return chat_model
