"""The text of an uploaded file, for the pipeline: plain text and text-like files as they are, PDF
pages (pypdf), Word documents' paragraphs and tables (python-docx), Excel sheets' rows (openpyxl).

Uploads come from participants, so each reader is bounded: PDF pages read, the uncompressed size of
an Office document's XML (a small zip can unpack to gigabytes), rows of a sheet, and characters of
the result. A file a reader cannot parse gives None (the pipeline is then told only its name) and
a logged warning: a broken attachment must never stop a reply."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

from apps.files.content_types import DOCX, XLSX, is_text
from apps.files.models import File

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 100
MAX_OFFICE_XML_BYTES = 50 * 1024 * 1024  # uncompressed, all parts together
MAX_SHEET_ROWS = 5_000
TRUNCATED = "\n[… truncated]"


def extract_text(file: File, content_type: str, limit: int) -> str | None:
    """At most `limit` characters of the file's text (marked when cut), or None when this kind of
    file has no readable text here or the file could not be read."""
    reader = _READERS.get(content_type) or (_plain_text if is_text(content_type) else None)
    if reader is None:
        return None
    try:
        with file.file.open("rb") as handle:
            text = _bounded(reader(handle, limit), limit)
    except Exception:  # noqa: BLE001 - parsers raise many kinds of error on a damaged file
        logger.warning("Could not read the text of file %s (%s)", file.pk, content_type, exc_info=True)
        return None
    if reader is not _plain_text and not text.strip():
        return None  # e.g. a scanned PDF: pages of images, no text
    return text


def _bounded(parts: Iterator[str], limit: int) -> str:
    """The parts joined, stopped as soon as `limit` characters are reached."""
    text, length = [], 0
    for part in parts:
        text.append(part)
        length += len(part)
        if length > limit:
            return "".join(text)[:limit] + TRUNCATED
    return "".join(text)


def _plain_text(handle: IO[bytes], limit: int) -> Iterator[str]:
    raw = handle.read(limit * 4 + 4)  # at most 4 bytes a character
    yield raw.decode("utf-8", errors="replace")


def _pdf(handle: IO[bytes], limit: int) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(handle)
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PDF_PAGES:
            yield f"\n[… only the first {MAX_PDF_PAGES} pages were read]"
            return
        text = (page.extract_text() or "").strip()
        if text:
            yield ("\n\n" if number > 1 else "") + text


def _check_office_size(handle: IO[bytes]) -> None:
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(member.file_size for member in archive.infolist() if member.filename.endswith(".xml"))
    if unpacked > MAX_OFFICE_XML_BYTES:
        raise ValueError(f"The document unpacks to {unpacked} bytes of XML")
    handle.seek(0)


def _docx(handle: IO[bytes], limit: int) -> Iterator[str]:
    import docx

    _check_office_size(handle)
    document = docx.Document(handle)
    for paragraph in document.paragraphs:
        if paragraph.text.strip():
            yield paragraph.text + "\n"
    for table in document.tables:
        yield "\n"
        for row in table.rows:
            yield " | ".join(cell.text.strip() for cell in row.cells) + "\n"


def _xlsx(handle: IO[bytes], limit: int) -> Iterator[str]:
    from openpyxl import load_workbook

    _check_office_size(handle)
    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield f"## Sheet: {sheet.title}\n"
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_SHEET_ROWS:
                    yield f"[… only the first {MAX_SHEET_ROWS} rows were read]\n"
                    break
                if any(value is not None for value in row):
                    yield ",".join("" if value is None else str(value) for value in row) + "\n"
    finally:
        workbook.close()


_READERS: dict[str, Callable[[IO[bytes], int], Iterator[str]]] = {
    "application/pdf": _pdf,
    DOCX: _docx,
    XLSX: _xlsx,
}
