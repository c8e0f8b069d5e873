"""Team pages for uploaded files: download (members who may read conversations); and the download
response that the API's file endpoints share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import IO

from asgiref.sync import sync_to_async
from django.http import Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header

from apps.files.models import File
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

# Files belong to conversations: whoever may read transcripts may download their attachments.
READ_PERMISSION = "chat.view_chatmessage"
CHUNK_BYTES = 64 * 1024


async def _chunks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    """The file's bytes, a chunk at a time, each read in a worker thread (never on the event loop);
    under ASGI Django streams an async iterator instead of buffering the whole file."""
    read = sync_to_async(handle.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    finally:
        await sync_to_async(handle.close, thread_sensitive=False)()


class _Download(StreamingHttpResponse):
    """Closes the file when the response is closed, even if its body was never read."""

    def __init__(self, handle: IO[bytes], content_type: str):
        super().__init__(_chunks(handle), content_type=content_type)
        self._handle = handle

    def close(self) -> None:
        try:
            self._handle.close()
        finally:
            super().close()


def download_response(file: File) -> StreamingHttpResponse:
    """The file's bytes as a download under its name and stored content type. Raises Http404 when
    the bytes are no longer stored."""
    try:
        handle = file.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored") from None
    try:
        size = file.file.size
    except BaseException:
        handle.close()
        raise
    response = _Download(handle, file.content_type)
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition_header(True, file.name)
    response["Content-Security-Policy"] = "sandbox"  # never run anything, even if opened inline
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@team_permission_required(READ_PERMISSION)
def file_download(request, team_slug: str, pk: int):
    return download_response(get_team_object_or_404(File, request.team, pk=pk))
