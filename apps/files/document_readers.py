"""Readers of the text in PDF (pypdf), Word (python-docx) and Excel (openpyxl) files, run in a child
process: `python -m apps.files.document_readers <content type> <max chars>`, the file on stdin, the
text on stdout. No Django here: the child imports only the parsers.

Parsers are given files from anyone, and a small file can unpack to gigabytes or keep a parser busy
for minutes (a shared 5 MB content stream behind every page of a 16 KB PDF; a sheet that claims a
million empty rows). So the child limits itself before it reads a byte: CPU seconds and address
space (`resource.setrlimit`), and the parent kills it at a wall-clock deadline
(apps/files/text_extraction.py). Within those limits, the readers still stop early: pages, sheets,
rows, columns, every zip member's declared size, and the characters wanted."""

from __future__ import annotations

import io
import logging
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CPU_SECONDS = 10
MEMORY_BYTES = 512 * 1024 * 1024
MAX_PDF_PAGES = 100
MAX_PDF_STREAM_BYTES = 2 * 1024 * 1024  # decompressed, per stream (pypdf's own default is 75 MB)
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # an Office file's members, as declared, together (python-docx: ~20x in memory)
MAX_SHEETS = 20
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 100
TRUNCATED = "\n[… truncated]"


def cut(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters and marked when it was longer."""
    return text[:limit] + TRUNCATED if len(text) > limit else text


def read_text(handle: IO[bytes], content_type: str, limit: int) -> str:
    """At most `limit` characters of the document's text (marked when cut); reading stops there."""
    text, length = [], 0
    for part in READERS[content_type](handle):
        text.append(part)
        length += len(part)
        if length > limit:
            break
    return cut("".join(text), limit)


def _pdf(handle: IO[bytes]) -> Iterator[str]:
    from pypdf import PdfReader, apply_configuration

    with apply_configuration(
        maximum_declared_stream_length=MAX_PDF_STREAM_BYTES,
        zlib_maximum_output_length=MAX_PDF_STREAM_BYTES,
        lzw_maximum_output_length=MAX_PDF_STREAM_BYTES,
        run_length_maximum_output_length=MAX_PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_PDF_STREAM_BYTES,
    ):
        reader = PdfReader(handle)
        for number, page in enumerate(reader.pages, start=1):
            if number > MAX_PDF_PAGES:
                yield f"\n[… only the first {MAX_PDF_PAGES} pages were read]"
                return
            text = (page.extract_text() or "").strip()
            if text:
                yield ("\n\n" if number > 1 else "") + text


def _check_unpacked_size(handle: IO[bytes]) -> None:
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValueError(f"The document unpacks to {unpacked} bytes")
    handle.seek(0)


def _docx(handle: IO[bytes]) -> Iterator[str]:
    import docx

    _check_unpacked_size(handle)
    document = docx.Document(handle)
    for paragraph in document.paragraphs:
        if paragraph.text.strip():
            yield paragraph.text + "\n"
    for table in document.tables:
        yield "\n"
        for row in table.rows:
            yield " | ".join(cell.text.strip() for cell in row.cells) + "\n"


def _xlsx(handle: IO[bytes]) -> Iterator[str]:
    from openpyxl import load_workbook

    _check_unpacked_size(handle)
    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            yield f"## Sheet: {sheet.title}\n"
            rows = sheet.iter_rows(values_only=True, max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS)
            for row in rows:
                if any(value is not None for value in row):
                    yield ",".join("" if value is None else str(value) for value in row).rstrip(",") + "\n"
    finally:
        workbook.close()


READERS: dict[str, Callable[[IO[bytes]], Iterator[str]]] = {"application/pdf": _pdf, DOCX: _docx, XLSX: _xlsx}


def limit_resources() -> None:
    """CPU seconds, address space, and no core file when the CPU limit kills the child."""
    import resource  # POSIX only: imported here so the web process can import this module anywhere

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    limit_resources()
    logging.disable(logging.CRITICAL)  # a damaged PDF can make pypdf write megabytes of warnings
    warnings.simplefilter("ignore")
    content_type, limit = sys.argv[1], int(sys.argv[2])
    text = read_text(io.BytesIO(sys.stdin.buffer.read()), content_type, limit)
    sys.stdout.buffer.write(text.encode("utf-8", errors="replace"))


if __name__ == "__main__":
    main()
