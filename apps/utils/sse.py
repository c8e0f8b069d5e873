"""Server-sent events: the wire format and a streaming response that proxies do not buffer.

Each event is `event: <kind>\\ndata: <json>\\n\\n`; the browser side reads them from `fetch`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse


def sse_event(event: str, data: dict[str, Any]) -> str:
    # json.dumps escapes newlines, so the payload always fits on one `data:` line.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def event_stream_response(events: AsyncIterator[str], status: int = 200) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream", status=status)
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and similar proxies would otherwise hold tokens back
    return response


async def single_event(event: str, data: dict[str, Any]) -> AsyncIterator[str]:
    yield sse_event(event, data)
