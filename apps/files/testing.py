"""Helpers for tests that upload files."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def office_zip(part: str) -> bytes:
    """A minimal .docx (part "word/document.xml") or .xlsx ("xl/workbook.xml")."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def upload(name: str = "notes.txt", content: bytes = b"Take two tablets daily.", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def downloaded(response) -> bytes:
    """The body of a download from the test client (its streaming content is an async iterator)."""
    from asgiref.sync import async_to_sync

    if not response.is_async:
        return b"".join(response.streaming_content)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()
