"""An instant OpenAI-compatible chat-completions server, run as its own process by the benchmarks so
the platform reaches its model over HTTP as it reaches a real provider.

`python bench/fake_openai.py PORT`: answers every `POST .../chat/completions` at once, echoing the
last message's text, as JSON or (with `"stream": true`) as server-sent events with a usage chunk.
HTTP/1.1 with keep-alive, as providers speak it; asyncio streams only, so the server itself costs
next to nothing next to the process under test."""

from __future__ import annotations

import asyncio
import json
import sys

_COMMON = {"id": "chatcmpl-bench", "created": 1700000000, "model": "gpt-4o-mini"}


def _reply_text(body: dict) -> str:
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content") or ""
    if isinstance(content, list):  # content parts
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return f"echo: {content}"


def _usage(body: dict, text: str) -> dict:
    prompt = sum(len(str(message.get("content", ""))) // 4 + 4 for message in body.get("messages") or [])
    completion = len(text) // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(body: dict) -> tuple[bytes, bytes]:
    text = _reply_text(body)
    payload = {
        **_COMMON,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": _usage(body, text),
    }
    return b"application/json", json.dumps(payload).encode()


def _stream(body: dict) -> tuple[bytes, bytes]:
    text = _reply_text(body)
    chunk = {**_COMMON, "object": "chat.completion.chunk"}
    events = [
        chunk | {"choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]},
        chunk | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        chunk | {"choices": [], "usage": _usage(body, text)},
    ]
    data = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
    return b"text/event-stream", data.encode()


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            body = json.loads(raw or b"{}")
            if lines[0].split(" ")[1].rstrip("/").endswith("/chat/completions"):
                content_type, payload = _stream(body) if body.get("stream") else _completion(body)
                status = b"200 OK"
            else:
                content_type, payload, status = (
                    b"application/json",
                    b'{"error": {"message": "not found"}}',
                    b"404 Not Found",
                )
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\ncontent-type: "
                + content_type
                + b"\r\ncontent-length: "
                + str(len(payload)).encode()
                + b"\r\n\r\n"
                + payload
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _main(port: int) -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
