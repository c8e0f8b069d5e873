"""Uploads from the web chat pages (team chat and public link): the same checks and the same JSON
answers as the widget API's `POST /api/chat/<session_id>/upload/`, plus a per-session rate limit (the
widget API has DRF's SessionRateThrottle instead)."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.http import JsonResponse

from apps.experiments.models import Experiment, ExperimentSession
from apps.files import actions, limits
from apps.files.exceptions import FileTooLarge, FileUploadError, TooManyUploads
from apps.files.selectors import session_attachments
from apps.files.serializers import uploaded_files_body

MULTIPART_OVERHEAD = 1024 * 1024  # boundaries and headers on top of the files themselves
RATE_WINDOW_SECONDS = 60


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


def check_upload_rate(session: ExperimentSession) -> None:
    """Count an upload request against the session's allowance for the current minute (a fixed
    window in the cache, keyed by the session's public id). Raises TooManyUploads when over it."""
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"files:uploads:{session.public_id}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    if count > limits.uploads_per_session_per_minute():
        retry_after = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))
        raise TooManyUploads("Too many uploads in this conversation; try again in a minute", retry_after)


def upload_response(request, session: ExperimentSession, version: Experiment | None = None) -> JsonResponse:
    """Store the request's `files` for the session; 201 with the stored files, or the refusal.
    `version`: the version the page talks to, when it is not the session's served version."""
    try:
        check_upload_rate(session)
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
