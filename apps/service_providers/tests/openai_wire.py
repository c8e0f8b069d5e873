"""OpenAI chat-completions wire format, as the fake server speaks it (also Azure, DeepSeek, Groq, local)."""

import json
from typing import Any

from apps.service_providers.tests.fake_http import FakeResponse, sse


def completion(content: str | None = "Hello there", *, tool_calls: list | None = None, model: str = "gpt-4o-mini"):
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return FakeResponse(
        body={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
        }
    )


def tool_call(name: str, arguments: dict, call_id: str = "call_1") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def streamed(tokens: list[str], model: str = "gpt-4o-mini") -> FakeResponse:
    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": token}) for token in tokens]
    events.append(chunk({}, "stop"))
    # With stream_options.include_usage the last chunk carries usage and no choices.
    events.append(
        {
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": len(tokens), "total_tokens": 9 + len(tokens)},
        }
    )
    return sse(events, done=True)


def error(status: int, message: str, code: str = "error", headers: dict | None = None) -> FakeResponse:
    return FakeResponse(
        status=status,
        body={"error": {"message": message, "type": code, "param": None, "code": code}},
        headers=headers or {},
    )
