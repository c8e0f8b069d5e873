"""Which files may be uploaded, judged by their first bytes rather than the client's word.

`detect(name, claimed, head, file)` returns the content type to store, or None when the file is not
one of the allowed kinds. Binary formats are recognised by their signature (the stored type comes
from the bytes, whatever the client said); text is text when it has no NUL byte and is UTF-8, and
then the client's type (or the name's extension) says which kind of text."""

from __future__ import annotations

import mimetypes
import zipfile
from typing import IO

SNIFF_BYTES = 4096

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_LIKE = {"application/json", "application/csv", "application/x-ndjson"}
BINARY_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    DOCX,
    XLSX,
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/wav",
    "audio/webm",
}
# Names clients use for the same thing.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "video/webm": "audio/webm",  # browsers' MediaRecorder often labels voice notes so
    "application/csv": "text/csv",
}
GENERIC = {"", "application/octet-stream", "binary/octet-stream"}

ALLOWED_DESCRIPTION = (
    "text, PDF, PNG, JPEG, GIF, WebP, Word (.docx), Excel (.xlsx), CSV, JSON, or audio (OGG, MP3, MP4, WAV, WebM)"
)


def normalise(content_type: str | None) -> str:
    value = (content_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(value, value)


def is_allowed(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in TEXT_LIKE or content_type in BINARY_TYPES


IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def is_image(content_type: str) -> bool:
    """An image a vision model can take (the kinds uploads allow)."""
    return content_type in IMAGE_TYPES


def is_audio(content_type: str) -> bool:
    return content_type.startswith("audio/") and content_type in BINARY_TYPES


def is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in TEXT_LIKE


def _signature(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _office_type(file: IO[bytes]) -> str | None:
    """A .docx or .xlsx is a zip with a known part; any other zip is refused."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end inside a multi-byte character.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def detect(name: str, claimed: str | None, head: bytes, file: IO[bytes]) -> str | None:
    """The content type to store for this upload, or None if it is not allowed."""
    claim = normalise(claimed)
    guessed = normalise(mimetypes.guess_type(name)[0])
    if claim not in GENERIC and not is_allowed(claim):
        return None  # the client says it is something we do not take
    kind = _signature(head)
    if kind == "zip":
        return _office_type(file)
    if kind is not None:
        return kind
    if not _looks_like_text(head) or (claim if claim not in GENERIC else guessed) in BINARY_TYPES:
        return None  # not text, or text that pretends to be an image, a PDF, …
    for candidate in (claim, guessed):
        if candidate and is_text(candidate):
            return candidate
    return "text/plain"
