"""Files uploaded by chat participants. They live in the default storage under a path nobody can
guess (`files/<team id>/<random>/<safe name>`) and are only ever served by permission-checked views,
never from a public media URL."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.text import get_valid_filename

from apps.teams.models import BaseTeamModel

MAX_STORED_NAME = 100


def safe_name(name: str) -> str:
    """A file name safe for any file system: no directories, no odd characters, not too long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # SuspiciousFileOperation for ".", ".." or an empty name
        cleaned = ""
    if len(cleaned) > MAX_STORED_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        extension = extension[:10] if dot else ""
        cleaned = f"{(stem if dot else cleaned)[: MAX_STORED_NAME - len(extension) - 1]}.{extension}".rstrip(".")
    return cleaned or "file"


def upload_path(instance: File, filename: str) -> str:
    return f"files/{instance.team_id}/{uuid.uuid4().hex}/{safe_name(filename)}"


class File(BaseTeamModel):
    name = models.CharField(max_length=255)  # as the uploader named it, for display and downloads
    content_type = models.CharField(max_length=100)  # checked against the file's first bytes
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=upload_path, max_length=300)
    session = models.ForeignKey(
        "experiments.ExperimentSession", null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    uploaded_by = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    def as_attachment(self) -> dict:
        """What a chat message stores about its attachment (ChatMessage.attachments)."""
        return {"file_id": self.pk, "name": self.name, "content_type": self.content_type, "size": self.size}
