"""What a pipeline sees of a message's attachments: the text of files that have text (plain text,
Markdown, CSV, JSON, PDF, Word, Excel: `text_extraction.py`) appended to the message under a
heading; voice messages transcribed by the chatbot's voice provider; and the names of the others
(images, which an LLM node whose model accepts images also gets as images; audio with no
speech-to-text provider; a file that could not be read).

Called once by the bot runtime (`apps.conversations.bot`) when it builds the run's input."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from apps.files.content_types import is_audio, is_image
from apps.files.models import File
from apps.files.text_extraction import extract_text

MAX_CHARS_PER_FILE = 20_000
MAX_CHARS_TOTAL = 60_000
MAX_AUDIO_BYTES = 25 * 1024 * 1024  # speech-to-text APIs take about this much (OpenAI: 25 MB)
MAX_SECONDS = 60  # for a message's attachments together

logger = logging.getLogger(__name__)


Transcriber = Callable[[bytes, str], str]  # (audio, content type) -> text


def message_with_attachments(
    team_id: int,
    message: str,
    attachments: list[dict[str, Any]] | None,
    *,
    transcribe: Transcriber | None = None,
) -> str:
    """`message`, followed by the attached files: their contents when they are text, a transcript of
    voice messages when `transcribe` is given (the chatbot's voice provider), else their names."""
    if not attachments:
        return message
    ids = [int(a["file_id"]) for a in attachments if isinstance(a.get("file_id"), int)]
    files = {file.pk: file for file in File.objects.filter(team_id=team_id, pk__in=ids)}
    sections: list[str] = []
    budget = MAX_CHARS_TOTAL
    # Reading and transcribing stop at a deadline (the rest are named): the participant, and any retry
    # of the message (told it is still being answered meanwhile), should not wait long for attachments.
    deadline = time.monotonic() + MAX_SECONDS
    for attachment in attachments:
        file = files.get(attachment.get("file_id"))  # type: ignore[arg-type]
        name = attachment.get("name") or (file.name if file else "file")
        content_type = attachment.get("content_type") or ""
        readable = budget > 0 and time.monotonic() < deadline
        if file is not None and readable:
            text = extract_text(file, content_type, min(MAX_CHARS_PER_FILE, budget))
            if text is not None:
                budget -= len(text)
                sections.append(f"### Attached file: {name} ({content_type})\n\n{text}")
                continue
        if file is not None and readable and transcribe is not None and is_audio(content_type):
            transcript = _transcript(file, content_type, transcribe, min(MAX_CHARS_PER_FILE, budget))
            if transcript is not None:
                budget -= len(transcript)
                sections.append(f"### Voice message: {name} ({content_type}), transcribed\n\n{transcript}")
                continue
        if is_image(content_type):  # a vision model gets the image itself (apps.pipelines.nodes.llm_common)
            sections.append(f"### Attached image: {name} ({content_type})")
            continue
        sections.append(f"### Attached file: {name} ({content_type or 'unknown type'}; contents not shown)")
    return "\n\n".join([message, *sections])


def _transcript(file: File, content_type: str, transcribe: Transcriber, limit: int) -> str | None:
    """The voice message's words, or None (too long to send, or the provider failed: logged)."""
    if file.size > MAX_AUDIO_BYTES:
        return None
    try:
        with file.file.open("rb") as handle:
            audio = handle.read()
        return transcribe(audio, content_type).strip()[:limit]
    except Exception:  # noqa: BLE001 - a failed transcription leaves the message named, never unanswered
        logger.warning("Could not transcribe file %s (%s)", file.pk, content_type, exc_info=True)
        return None
