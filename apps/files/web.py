"""Uploads from the web chat pages (team chat and public link): the same checks and the same JSON
answers as the widget API's `POST /api/chat/<session_id>/upload/`."""

from __future__ import annotations

from django.http import JsonResponse

from apps.experiments.models import ExperimentSession
from apps.files import actions, limits
from apps.files.exceptions import FileTooLarge, FileUploadError
from apps.files.selectors import session_attachments
from apps.files.serializers import uploaded_files_body

MULTIPART_OVERHEAD = 1024 * 1024  # boundaries and headers on top of the files themselves


def error_body(error: FileUploadError) -> dict:
    return {error.field: [error.message]} if error.field else {"detail": error.message}


def too_large_for_limits(request) -> FileTooLarge | None:
    """Refuse an oversized request from its Content-Length, before reading the body."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = limits.max_total_bytes()
    if length > limit + MULTIPART_OVERHEAD:
        return FileTooLarge(f"The files together are larger than {limits.megabytes(limit)}")
    return None


def upload_response(request, session: ExperimentSession) -> JsonResponse:
    """Store the request's `files` for the session; 201 with the stored files, or the refusal."""
    try:
        if (error := too_large_for_limits(request)) is not None:
            raise error
        files = actions.store_upload(
            session=session, files=request.FILES.getlist("files"), uploaded_by=session.participant
        )
    except FileUploadError as error:
        return JsonResponse(error_body(error), status=error.status_code)
    return JsonResponse(uploaded_files_body(files), status=201)


def form_attachments(session: ExperimentSession, form) -> list[dict]:
    """The attachments named by a chat page's message form (`attachment_ids`), checked to be files
    of the session. Raises AttachmentError. Runs in a thread, not on the event loop (it queries)."""
    ids = form.cleaned_data.get("attachment_ids") if form.is_valid() else None
    return session_attachments(session, ids or [])
