"""Reading server-sent events from the Django test client."""

import json

from asgiref.sync import async_to_sync


def read_events(response) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a text/event-stream response."""
    assert response["Content-Type"] == "text/event-stream"

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    events = []
    for block in async_to_sync(collect)().decode().split("\n\n"):
        if block.strip():
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            events.append((fields["event"], json.loads(fields["data"])))
    return events
