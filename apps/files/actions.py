"""Storing uploads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Func, JSONField, OuterRef, Sum, Value
from django.utils import timezone

from apps.chat.models import ChatMessage
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import served_version
from apps.files import content_types, limits
from apps.files.exceptions import FileTooLarge, FileTypeNotAllowed, FileUploadError, UploadsDisabled
from apps.files.models import File
from apps.participants.models import Participant

logger = logging.getLogger(__name__)


class _JsonbObject(Func):
    function = "jsonb_build_object"
    output_field = JSONField()


class _JsonbArray(Func):
    function = "jsonb_build_array"
    output_field = JSONField()


# An upload is sent with a message within seconds; one still unattached after a day never will be.
UNATTACHED_FILE_LIFETIME = timedelta(days=1)


def check_uploads_enabled(session: ExperimentSession, version: Experiment | None = None) -> None:
    """Raise UploadsDisabled unless the version the participant talks to takes files: `version` when
    the caller knows it (a team member's chat with the working copy), else the session's served
    version (pinned, else published, else the working copy)."""
    if not (version or served_version(session)).file_uploads_enabled:
        raise UploadsDisabled("File uploads are not enabled for this chatbot")


def _session_bytes(session: ExperimentSession) -> int:
    return File.objects.filter(team_id=session.team_id, session=session).aggregate(total=Sum("size"))["total"] or 0


def _check_session_quota(session: ExperimentSession, incoming: int) -> None:
    limit = limits.max_session_bytes()
    if _session_bytes(session) + incoming > limit:
        raise FileTooLarge(
            f"This conversation's files would together be larger than {limits.megabytes(limit)}, "
            "the most one conversation may hold"
        )


def store_upload(
    *,
    session: ExperimentSession,
    files: Sequence[UploadedFile],
    uploaded_by: Participant | None = None,
    version: Experiment | None = None,
) -> list[File]:
    """Check and store the files a participant uploaded to a chat session, all or none.

    Raises UploadsDisabled (the version the participant talks to does not take files: see
    check_uploads_enabled), or what store_files raises."""
    check_uploads_enabled(session, version)
    return store_files(session=session, files=files, uploaded_by=uploaded_by)


def store_files(
    *, session: ExperimentSession, files: Sequence[UploadedFile], uploaded_by: Participant | None = None
) -> list[File]:
    """Check and store files of a chat session, all or none, whether or not the chatbot takes
    participants' uploads (the OpenAI-compatible endpoint's images come with a team API key).

    Raises FileTooLarge (one file, the request or the session's files together over their limit) or
    FileTypeNotAllowed (judged by the file's first bytes, not only the client's type).

    The bytes are written before any database work, then the rows are created in one short
    transaction (which re-checks the session's quota with the session row locked); if anything
    fails, whatever was written is deleted."""
    if not files:
        raise FileUploadError("Choose at least one file to upload")
    if len(files) > limits.MAX_FILES_PER_REQUEST:
        raise FileUploadError(f"Upload at most {limits.MAX_FILES_PER_REQUEST} files at a time")
    max_file, max_total = limits.max_file_bytes(), limits.max_total_bytes()
    for upload in files:
        if (upload.size or 0) > max_file:
            raise FileTooLarge(f"{upload.name} is larger than {limits.megabytes(max_file)}")
    incoming = sum(upload.size or 0 for upload in files)
    if incoming > max_total:
        raise FileTooLarge(f"The files together are larger than {limits.megabytes(max_total)}")
    _check_session_quota(session, incoming)  # early, before writing anything
    checked = []
    for upload in files:
        name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
        upload.seek(0)
        head = upload.read(content_types.SNIFF_BYTES)
        upload.seek(0)
        content_type = content_types.detect(name, upload.content_type, head, upload)
        if content_type is None:
            raise FileTypeNotAllowed(
                f"{name}: this kind of file cannot be uploaded. Allowed: {content_types.ALLOWED_DESCRIPTION}."
            )
        checked.append((upload, name, content_type))
    written: list[File] = []
    try:
        # Slow storage I/O first, outside any transaction: no connection is held while it runs.
        for upload, name, content_type in checked:
            record = File(
                team=session.team,
                session=session,
                uploaded_by=uploaded_by,
                name=name,
                content_type=content_type,
                size=upload.size or 0,
            )
            written.append(record)
            record.file.save(name, upload, save=False)
        with transaction.atomic():
            # Concurrent uploads to one session queue here, so the quota holds across them.
            ExperimentSession.objects.select_for_update().filter(pk=session.pk).exists()
            _check_session_quota(session, incoming)
            for record in written:
                record.save()
    except BaseException:
        _delete_written(written)
        raise
    return written


def _delete_written(records: Sequence[File]) -> None:
    """Remove the stored bytes of rows that were never committed: no orphaned files in storage."""
    for record in records:
        try:
            record.file.delete(save=False)  # a no-op when nothing was written for it
        except Exception:  # keep cleaning up; the original error is what the caller sees
            logger.exception("Could not delete the stored upload %s", record.file.name)


def delete_file(file: File) -> None:
    """Remove the row and, once committed, the stored bytes."""
    storage, path = file.file.storage, file.file.name
    file.delete()
    if path:
        transaction.on_commit(lambda: storage.delete(path))


def delete_session_files(session_id: int) -> None:
    """Remove a session's files, rows now and bytes once committed (a discarded session)."""
    for file in File.objects.filter(session_id=session_id):
        delete_file(file)


def delete_unattached_files(*, older_than: timedelta = UNATTACHED_FILE_LIFETIME, batch: int = 500) -> int:
    """Delete uploads that no message names after `older_than` (the participant uploaded and never
    sent): their bytes would otherwise stay forever. Returns how many were deleted."""
    cutoff = timezone.now() - older_than
    # A message's attachments contain {"file_id": <this file's id>} (jsonb @>).
    mention = _JsonbArray(_JsonbObject(Value("file_id"), OuterRef("pk")))
    attached = ChatMessage.objects.filter(chat_id=OuterRef("session__chat_id"), attachments__contains=mention)
    stale = File.objects.filter(created_at__lt=cutoff).exclude(Exists(attached)).select_related("session")[:batch]
    deleted = 0
    for file in stale:
        with transaction.atomic():
            delete_file(file)
        deleted += 1
    return deleted
