"""The pipeline reads the text of PDF, Word and Excel attachments, within bounds, and is told only the
name of a file it cannot read."""

import logging

import pytest

from apps.files import actions, text_extraction
from apps.files.content_types import DOCX, XLSX
from apps.files.pipeline_input import message_with_attachments
from apps.files.selectors import session_attachments
from apps.files.testing import PDF, docx_with, pdf_with_text, upload, xlsx_with
from apps.utils.factories.experiments import session_for, simple_chatbot

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team, media_root):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return session_for(chatbot)


def stored(session, name, content, content_type):
    [file] = actions.store_upload(session=session, files=[upload(name, content, content_type)])
    return file


def test_pdf_pages(session, monkeypatch):
    file = stored(session, "leaflet.pdf", pdf_with_text("Take two tablets daily", "Avoid alcohol"), "application/pdf")
    assert file.content_type == "application/pdf"
    assert text_extraction.extract_text(file, file.content_type, 1000) == "Take two tablets daily\n\nAvoid alcohol"
    scanned = stored(session, "scan.pdf", pdf_with_text(""), "application/pdf")  # no text on its page
    assert text_extraction.extract_text(scanned, scanned.content_type, 1000) is None
    monkeypatch.setattr(text_extraction, "MAX_PDF_PAGES", 1)
    assert text_extraction.extract_text(file, file.content_type, 1000) == (
        "Take two tablets daily\n[… only the first 1 pages were read]"
    )


def test_word_paragraphs_and_tables(session):
    content = docx_with(["Clinic hours", "Monday to Friday"], table=[["Day", "Opens"], ["Monday", "08:00"]])
    file = stored(session, "hours.docx", content, DOCX)
    assert text_extraction.extract_text(file, DOCX, 1000) == (
        "Clinic hours\nMonday to Friday\n\nDay | Opens\nMonday | 08:00\n"
    )


def test_excel_sheets(session):
    content = xlsx_with({"Doses": [["Name", "mg"], ["Paracetamol", 500]], "Empty": []})
    file = stored(session, "doses.xlsx", content, XLSX)
    assert text_extraction.extract_text(file, XLSX, 1000) == (
        "## Sheet: Doses\nName,mg\nParacetamol,500\n## Sheet: Empty\n"
    )


def test_long_text_is_cut_at_the_limit(session):
    file = stored(session, "long.pdf", pdf_with_text("word " * 50), "application/pdf")
    text = text_extraction.extract_text(file, "application/pdf", 20)
    assert text == "word word word word \n[… truncated]"


def test_an_office_file_that_unpacks_too_large_is_not_read(session, monkeypatch, caplog):
    file = stored(session, "hours.docx", docx_with(["Clinic hours"]), DOCX)
    monkeypatch.setattr(text_extraction, "MAX_OFFICE_XML_BYTES", 100)
    with caplog.at_level(logging.WARNING, logger="apps.files.text_extraction"):
        assert text_extraction.extract_text(file, DOCX, 1000) is None
    assert "unpacks to" in caplog.text


def test_the_pipeline_gets_the_text_and_only_the_name_of_a_broken_file(session, caplog):
    files = [
        stored(session, "leaflet.pdf", pdf_with_text("Take two tablets daily"), "application/pdf"),
        stored(session, "broken.pdf", PDF, "application/pdf"),  # a PDF header and nothing readable
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
