"""Storing uploads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Func, JSONField, OuterRef, Value
from django.utils import timezone

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.files import content_types, limits
from apps.files.exceptions import FileTooLarge, FileTypeNotAllowed, FileUploadError, UploadsDisabled
from apps.files.models import File
from apps.participants.models import Participant


class _JsonbObject(Func):
    function = "jsonb_build_object"
    output_field = JSONField()


class _JsonbArray(Func):
    function = "jsonb_build_array"
    output_field = JSONField()


# An upload is sent with a message within seconds; one still unattached after a day never will be.
UNATTACHED_FILE_LIFETIME = timedelta(days=1)


def check_uploads_enabled(session: ExperimentSession) -> None:
    if not session.experiment.file_uploads_enabled:
        raise UploadsDisabled("File uploads are not enabled for this chatbot")


def store_upload(
    *, session: ExperimentSession, files: Sequence[UploadedFile], uploaded_by: Participant | None = None
) -> list[File]:
    """Check and store the files uploaded to a chat session, all or none.

    Raises UploadsDisabled (the chatbot does not take files), FileTooLarge (one file or the request
    over its limit) or FileTypeNotAllowed (judged by the file's first bytes, not only the client's type)."""
    check_uploads_enabled(session)
    if not files:
        raise FileUploadError("Choose at least one file to upload")
    if len(files) > limits.MAX_FILES_PER_REQUEST:
        raise FileUploadError(f"Upload at most {limits.MAX_FILES_PER_REQUEST} files at a time")
    max_file, max_total = limits.max_file_bytes(), limits.max_total_bytes()
    for upload in files:
        if (upload.size or 0) > max_file:
            raise FileTooLarge(f"{upload.name} is larger than {limits.megabytes(max_file)}")
    if sum(upload.size or 0 for upload in files) > max_total:
        raise FileTooLarge(f"The files together are larger than {limits.megabytes(max_total)}")
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
    stored: list[File] = []
    try:
        with transaction.atomic():
            for upload, name, content_type in checked:
                record = File(
                    team=session.team,
                    session=session,
                    uploaded_by=uploaded_by,
                    name=name,
                    content_type=content_type,
                    size=upload.size or 0,
                )
                record.file.save(name, upload, save=False)
                stored.append(record)
                record.save()
    except BaseException:
        for record in stored:  # no orphaned files on disk when the rows were rolled back
            record.file.delete(save=False)
        raise
    return stored


def delete_file(file: File) -> None:
    """Remove the row and, once committed, the stored bytes."""
    storage, path = file.file.storage, file.file.name
    file.delete()
    if path:
        transaction.on_commit(lambda: storage.delete(path))


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
