"""The one server-side writer of server-sent events."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from apps.utils.sse import event_stream_response, single_event, sse_event


def test_a_named_event_with_json_data():
    assert sse_event("token", {"text": "Hé\nllo"}) == 'event: token\ndata: {"text": "Hé\\nllo"}\n\n'


def test_an_unnamed_event_as_openai_streams_send():
    assert sse_event(None, {"id": 1}) == 'data: {"id": 1}\n\n'
    assert sse_event(None, "[DONE]") == "data: [DONE]\n\n"


def test_text_with_line_breaks_is_one_data_line_per_line():
    # A reader joins data lines with "\n": whatever the line breaks were, the text comes back with "\n".
    assert sse_event("note", "a\nb\r\nc\rd") == "event: note\ndata: a\ndata: b\ndata: c\ndata: d\n\n"


def test_values_json_cannot_encode_are_written_as_text():
    assert json.loads(sse_event(None, {"when": object})[len("data: ") :]) == {"when": str(object)}


def test_the_response_is_an_unbuffered_event_stream():
    response = event_stream_response(single_event("error", {"message": "no"}), status=400)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"

    async def body() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    # In a thread of its own: an earlier test of the suite may have left an event loop on this one.
    with ThreadPoolExecutor(1) as thread:
        content = thread.submit(asyncio.run, body()).result(timeout=10)
    assert content == b'event: error\ndata: {"message": "no"}\n\n'
