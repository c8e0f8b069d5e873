"""Uploads from the web chat pages (team chat and public link): the same checks and the same JSON
answers as the widget API's `POST /api/chat/<session_id>/upload/`, plus a per-session rate limit (the
widget API has DRF's SessionRateThrottle instead; both are DRF throttles, apps/utils/throttling.py)."""

from __future__ import annotations

from django.http import JsonResponse

from apps.experiments.models import Experiment, ExperimentSession
from apps.files import actions, limits
from apps.files.exceptions import FileTooLarge, FileUploadError, TooManyUploads
from apps.files.selectors import session_attachments
from apps.files.serializers import uploaded_files_body
from apps.utils.throttling import AtomicWindowThrottle, retry_after, throttle_wait

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


class SessionUploadThrottle(AtomicWindowThrottle):
    """Upload requests per session per minute (FILE_UPLOADS_PER_SESSION_PER_MINUTE), keyed by the
    session's public id; counted atomically, so parallel uploads cannot all pass."""

    scope = "session_uploads"

    def get_rate(self):
        return f"{limits.uploads_per_session_per_minute()}/min"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": view.kwargs["session_id"]}


def check_upload_rate(request, session: ExperimentSession) -> None:
    """Count an upload request against the session's allowance. Raises TooManyUploads when over it."""
    if (wait := throttle_wait(SessionUploadThrottle(), request, session_id=str(session.public_id))) is not None:
        raise TooManyUploads("Too many uploads in this conversation; try again in a minute", int(retry_after(wait)))


def upload_response(request, session: ExperimentSession, version: Experiment | None = None) -> JsonResponse:
    """Store the request's `files` for the session; 201 with the stored files, or the refusal.
    `version`: the version the page talks to, when it is not the session's served version."""
    try:
        check_upload_rate(request, session)
        if (error := too_large_for_limits(request)) is not None:
            raise error
        files = actions.store_upload(
            session=session, files=request.FILES.getlist("files"), uploaded_by=session.participant, version=version
        )
    except FileUploadError as error:
        response = JsonResponse(error_body(error), status=error.status_code)
        if isinstance(error, TooManyUploads):
            response["Retry-After"] = str(error.retry_after)
        return response
    return JsonResponse(uploaded_files_body(files), status=201)


def form_attachments(session: ExperimentSession, form, version: Experiment | None = None) -> list[dict]:
    """The attachments named by a chat page's message form (`attachment_ids`), checked to be files
    of the session. Raises AttachmentError. Runs in a thread, not on the event loop (it queries)."""
    ids = form.cleaned_data.get("attachment_ids") if form.is_valid() else None
    return session_attachments(session, ids or [], version)
