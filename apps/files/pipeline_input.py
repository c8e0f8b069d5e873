"""What a pipeline sees of a message's attachments: the text of text-like files (plain text,
Markdown, CSV, JSON, …) appended to the message under a heading, and the names of the others.

Called once by the bot runtime (`apps.chat.bot`) when it builds the run's input."""

from __future__ import annotations

from typing import Any

from apps.files.content_types import is_text
from apps.files.models import File

MAX_CHARS_PER_FILE = 20_000
MAX_CHARS_TOTAL = 60_000


def _read_text(file: File, limit: int) -> str:
    with file.file.open("rb") as handle:
        raw = handle.read(limit * 4 + 4)  # at most 4 bytes a character
    text = raw.decode("utf-8", errors="replace")
    if len(text) > limit:
        text = text[:limit] + "\n[… truncated]"
    return text


def message_with_attachments(team_id: int, message: str, attachments: list[dict[str, Any]] | None) -> str:
    """`message`, followed by the attached files: their contents when they are text, else their names."""
    if not attachments:
        return message
    ids = [int(a["file_id"]) for a in attachments if isinstance(a.get("file_id"), int)]
    files = {file.pk: file for file in File.objects.filter(team_id=team_id, pk__in=ids)}
    sections: list[str] = []
    budget = MAX_CHARS_TOTAL
    for attachment in attachments:
        file = files.get(attachment.get("file_id"))  # type: ignore[arg-type]
        name = attachment.get("name") or (file.name if file else "file")
        content_type = attachment.get("content_type") or ""
        if file is not None and is_text(content_type) and budget > 0:
            try:
                text = _read_text(file, min(MAX_CHARS_PER_FILE, budget))
            except OSError:
                text = None
            if text is not None:
                budget -= len(text)
                sections.append(f"### Attached file: {name} ({content_type})\n\n{text}")
                continue
        sections.append(f"### Attached file: {name} ({content_type or 'unknown type'}; contents not shown)")
    return "\n\n".join([message, *sections])
