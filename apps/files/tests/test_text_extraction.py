"""The pipeline reads the text of PDF, Word and Excel attachments, within bounds and in a child
process, and is told only the name of a file it cannot read."""

import io
import logging
import zipfile

import pytest

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions, document_readers, text_extraction
from apps.files.content_types import DOCX, XLSX
from apps.files.document_readers import read_text
from apps.files.pipeline_input import message_with_attachments
from apps.files.selectors import session_attachments
from apps.files.testing import PDF, docx_with, pdf_with_text, upload, xlsx_with

PDF_TYPE = "application/pdf"


def read(content: bytes, content_type: str, limit: int = 1000) -> str:
    return read_text(io.BytesIO(content), content_type, limit)


# --- The readers (run here, in process, where their limits can be changed) ---------------------------
def test_pdf_pages_and_the_page_limit(monkeypatch):
    content = pdf_with_text("Take two tablets daily", "Avoid alcohol")
    assert read(content, PDF_TYPE) == "Take two tablets daily\n\nAvoid alcohol"
    monkeypatch.setattr(document_readers, "MAX_PDF_PAGES", 1)
    assert read(content, PDF_TYPE) == "Take two tablets daily\n[… only the first 1 pages were read]"


def test_word_paragraphs_and_tables():
    content = docx_with(["Clinic hours", "Monday to Friday"], table=[["Day", "Opens"], ["Monday", "08:00"]])
    assert read(content, DOCX) == "Clinic hours\nMonday to Friday\n\nDay | Opens\nMonday | 08:00\n"


def test_excel_sheets_rows_and_columns(monkeypatch):
    content = xlsx_with({"Doses": [["Name", "mg", "note"], ["Paracetamol", 500, None]], "Empty": [], "Third": [[1]]})
    assert (
        read(content, XLSX) == "## Sheet: Doses\nName,mg,note\nParacetamol,500\n## Sheet: Empty\n## Sheet: Third\n1\n"
    )
    monkeypatch.setattr(document_readers, "MAX_SHEETS", 1)
    monkeypatch.setattr(document_readers, "MAX_SHEET_ROWS", 1)
    monkeypatch.setattr(document_readers, "MAX_SHEET_COLUMNS", 2)
    assert read(content, XLSX) == "## Sheet: Doses\nName,mg\n"


def test_long_text_is_cut_at_the_limit():
    assert read(pdf_with_text("word " * 50), PDF_TYPE, 20) == "word word word word \n[… truncated]"


def test_every_member_of_an_office_file_counts_towards_its_unpacked_size(monkeypatch):
    buffer = io.BytesIO(docx_with(["Clinic hours"]))
    with zipfile.ZipFile(buffer) as archive:
        document_size = sum(member.file_size for member in archive.infolist())
    monkeypatch.setattr(document_readers, "MAX_UNPACKED_BYTES", document_size + 1000)
    assert read(buffer.getvalue(), DOCX) == "Clinic hours\n"
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/media/big.png", b"\x00" * 5000)  # not XML, still unpacked by the parser
    with pytest.raises(ValueError, match="unpacks to"):
        read(buffer.getvalue(), DOCX)


# --- In the application: a child process, a deadline, the pipeline's message -------------------------
@pytest.fixture
def session(team, media_root):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return session_for(chatbot)


def stored(session, name, content, content_type):
    [file] = actions.store_upload(session=session, files=[upload(name, content, content_type)])
    return file


@pytest.mark.django_db
def test_documents_are_read_in_a_child_process(session):
    pdf = stored(session, "leaflet.pdf", pdf_with_text("Take two tablets daily"), PDF_TYPE)
    assert text_extraction.extract_text(pdf, PDF_TYPE, 1000) == "Take two tablets daily"
    sheet = stored(session, "doses.xlsx", xlsx_with({"Doses": [["Paracetamol", 500]]}), XLSX)
    assert text_extraction.extract_text(sheet, XLSX, 1000) == "## Sheet: Doses\nParacetamol,500\n"
    scanned = stored(session, "scan.pdf", pdf_with_text(""), PDF_TYPE)  # a page with no text on it
    assert text_extraction.extract_text(scanned, PDF_TYPE, 1000) is None


def test_the_child_gets_none_of_the_servers_secrets(monkeypatch):
    seen = {}

    def spy(command, **kwargs):
        seen.update(kwargs["env"])
        raise text_extraction.subprocess.TimeoutExpired(command, 0)

    monkeypatch.setenv("DJANGO_SECRET_KEY", "do-not-leak")
    monkeypatch.setattr(text_extraction.subprocess, "run", spy)
    with pytest.raises(text_extraction.subprocess.TimeoutExpired):
        text_extraction._read_in_child(b"%PDF-", PDF_TYPE, 10)
    assert set(seen) == {"PATH", "LANG", "PYTHONDONTWRITEBYTECODE"}


def leaflet(session):
    return stored(session, "leaflet.pdf", pdf_with_text("Take two tablets daily"), PDF_TYPE)


def unread_and_logged(file, caplog) -> str:
    """What was logged when the file's text could not be read."""
    with caplog.at_level(logging.WARNING, logger="apps.files.text_extraction"):
        assert text_extraction.extract_text(file, PDF_TYPE, 1000) is None
    return caplog.text


@pytest.mark.django_db
def test_a_reader_that_takes_too_long_is_stopped(session, monkeypatch, caplog):
    pdf = leaflet(session)
    monkeypatch.setattr(text_extraction, "WALL_SECONDS", 0.01)
    assert "timed out" in unread_and_logged(pdf, caplog)


@pytest.mark.django_db
def test_the_pipeline_gets_the_text_and_only_the_name_of_a_broken_file(session, caplog):
    files = [
        stored(session, "leaflet.pdf", pdf_with_text("Take two tablets daily"), PDF_TYPE),
        stored(session, "broken.pdf", PDF, PDF_TYPE),  # a PDF header and nothing readable
    ]
    attachments = session_attachments(session, [f.pk for f in files])
    with caplog.at_level(logging.WARNING, logger="apps.files.text_extraction"):
        message = message_with_attachments(session.team_id, "What does it say?", attachments)
    assert message == (
        "What does it say?\n\n"
        "### Attached file: leaflet.pdf (application/pdf)\n\nTake two tablets daily\n\n"
        "### Attached file: broken.pdf (application/pdf; contents not shown)"
    )
    assert f"file {files[1].pk}" in caplog.text


def test_the_child_limits_its_cpu_memory_and_core_files():
    import subprocess
    import sys

    probe = (
        "import resource; from apps.files.document_readers import limit_resources; limit_resources(); "
        "print([resource.getrlimit(r)[0] for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_CORE)])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=text_extraction._REPO_ROOT, check=True
    )
    assert result.stdout.strip() == str([document_readers.CPU_SECONDS, document_readers.MEMORY_BYTES, 0])


def test_pdf_streams_over_the_limit_are_not_decoded(monkeypatch):
    content = pdf_with_text("Take two tablets daily")
    monkeypatch.setattr(document_readers, "MAX_PDF_STREAM_BYTES", 10)  # below this page's content stream
    with pytest.raises(Exception, match="(?i)limit|length"):
        read(content, PDF_TYPE)


@pytest.mark.django_db
def test_when_every_reader_is_busy_the_file_is_named(session, monkeypatch, caplog):
    import threading

    pdf = leaflet(session)
    monkeypatch.setattr(text_extraction, "_CHILDREN", threading.BoundedSemaphore(1))
    text_extraction._CHILDREN.acquire()  # taken by another message's file
    monkeypatch.setattr(text_extraction, "WALL_SECONDS", 0.05)
    assert "busy" in unread_and_logged(pdf, caplog)


@pytest.mark.django_db
def test_attachments_are_only_named_after_the_deadline(session, monkeypatch):
    from apps.files import pipeline_input

    pdf = leaflet(session)
    monkeypatch.setattr(pipeline_input, "MAX_SECONDS", 0)
    message = message_with_attachments(session.team_id, "Hi", session_attachments(session, [pdf.pk]))
    assert message == "Hi\n\n### Attached file: leaflet.pdf (application/pdf; contents not shown)"
