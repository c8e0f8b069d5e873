"""Server-sent events: the wire format and a streaming response that proxies do not buffer. The one
home of both for every stream the server sends (the chat pages', the builder's test runs, the widget's
streamed messages, the OpenAI-compatible endpoint); the browser side reads them with
`assets/javascript/sse.ts`."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def sse_event(event: str | None, data: Any) -> str:
    """One event: `event: <kind>` (none for an unnamed event, as OpenAI's stream sends), then the data,
    JSON-encoded unless it is text already (OpenAI's closing `[DONE]`). JSON never holds a raw line
    break, so it fits one `data:` line; text with line breaks becomes one `data:` line per line, which
    the reader joins back with "\\n"."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    lines = "".join(f"data: {line}\n" for line in _LINE_BREAK.split(text))
    return f"event: {event}\n{lines}\n" if event else f"{lines}\n"


def event_stream_response(events: AsyncIterator[str], status: int = 200) -> StreamingHttpResponse:
    """`events` (an async iterator: under ASGI Django would buffer a sync one to its end) as a
    text/event-stream response."""
    response = StreamingHttpResponse(events, content_type="text/event-stream", status=status)
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and similar proxies would otherwise hold tokens back
    return response


async def single_event(event: str, data: dict[str, Any]) -> AsyncIterator[str]:
    yield sse_event(event, data)
