"""Team pages for uploaded files: download (members who may read conversations)."""

from __future__ import annotations

from django.http import FileResponse, Http404

from apps.files.models import File
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

# Files belong to conversations: whoever may read transcripts may download their attachments.
READ_PERMISSION = "chat.view_chatmessage"


@team_permission_required(READ_PERMISSION)
def file_download(request, team_slug: str, pk: int):
    file = get_team_object_or_404(File, request.team, pk=pk)
    try:
        handle = file.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored") from None
    response = FileResponse(handle, as_attachment=True, filename=file.name, content_type=file.content_type)
    response["Content-Security-Policy"] = "sandbox"  # never run anything, even if opened inline
    response["Cache-Control"] = "private, no-store"
    return response
