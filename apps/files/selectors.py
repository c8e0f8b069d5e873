"""Reads of uploaded files."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.experiments.models import Experiment, ExperimentSession
from apps.files import limits
from apps.files.actions import check_uploads_enabled
from apps.files.exceptions import AttachmentError, UploadsDisabled
from apps.files.models import File
from apps.teams.models import Team


def files_of_session(session: ExperimentSession) -> QuerySet[File]:
    return File.objects.filter(team_id=session.team_id, session=session)


def _file_id(value) -> int | None:
    try:
        file_id = int(str(value))
    except ValueError:
        return None
    return file_id if 0 < file_id < 2**63 else None


def file_of_team(team: Team, file_id) -> File | None:
    """The team's file with this id (any representation of it), or None: unknown, malformed and
    other teams' ids look the same."""
    pk = _file_id(file_id)
    return None if pk is None else File.objects.filter(team=team, pk=pk).first()


def file_of_session(session: ExperimentSession, file_id) -> File | None:
    """A file uploaded to this session, or None."""
    pk = _file_id(file_id)
    return None if pk is None else files_of_session(session).filter(pk=pk).first()


def session_attachments(
    session: ExperimentSession, file_ids: Iterable[int], version: Experiment | None = None
) -> list[dict]:
    """The attachment records (ChatMessage.attachments) for files uploaded to this session, in the
    order given. Raises AttachmentError if uploads are off for the version the participant talks to
    (`version`, else the session's served version) or any id is not a file of the session."""
    ids = list(dict.fromkeys(int(file_id) for file_id in file_ids))
    if not ids:
        return []
    try:
        check_uploads_enabled(session, version)
    except UploadsDisabled as error:
        raise AttachmentError(error.message) from None
    if len(ids) > limits.MAX_ATTACHMENTS_PER_MESSAGE:
        raise AttachmentError(f"Attach at most {limits.MAX_ATTACHMENTS_PER_MESSAGE} files to a message")
    in_range = [file_id for file_id in ids if 0 < file_id < 2**63]
    found = {file.pk: file for file in files_of_session(session).filter(pk__in=in_range)}
    unknown = [file_id for file_id in ids if file_id not in found]
    if unknown:
        raise AttachmentError(f"Unknown file ids for this session: {', '.join(map(str, unknown))}")
    return [found[file_id].as_attachment() for file_id in ids]
