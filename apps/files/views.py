"""Team pages for uploaded files: download (members who may read conversations); and the download
response that the API's file endpoints share."""

from __future__ import annotations

from django.http import FileResponse, Http404

from apps.files.models import File
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

# Files belong to conversations: whoever may read transcripts may download their attachments.
READ_PERMISSION = "chat.view_chatmessage"


def download_response(file: File) -> FileResponse:
    """The file's bytes as a download under its name and stored content type. Raises Http404 when
    the bytes are no longer stored."""
    try:
        handle = file.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored") from None
    response = FileResponse(handle, as_attachment=True, filename=file.name, content_type=file.content_type)
    response["Content-Security-Policy"] = "sandbox"  # never run anything, even if opened inline
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@team_permission_required(READ_PERMISSION)
def file_download(request, team_slug: str, pk: int):
    return download_response(get_team_object_or_404(File, request.team, pk=pk))
