"""Which uploads are accepted, judged by their first bytes."""

import io

import pytest

from apps.files import content_types
from apps.files.content_types import DOCX, XLSX
from apps.files.testing import PDF, PNG, office_zip


def detect(name, claimed, content: bytes):
    return content_types.detect(name, claimed, content[: content_types.SNIFF_BYTES], io.BytesIO(content))


@pytest.mark.parametrize(
    ("name", "claimed", "content", "expected"),
    [
        ("notes.txt", "text/plain", b"hello", "text/plain"),
        ("notes.md", "", "héllo wörld".encode(), "text/markdown"),
        ("data.csv", "application/octet-stream", b"a,b\n1,2\n", "text/csv"),
        ("data.csv", "application/csv", b"a,b\n", "text/csv"),
        ("data.json", "application/json; charset=utf-8", b'{"a": 1}', "application/json"),
        ("noext", None, b"plain words", "text/plain"),
        ("scan.pdf", "application/pdf", PDF, "application/pdf"),
        ("scan", "application/octet-stream", PDF, "application/pdf"),
        ("photo.png", "image/png", PNG, "image/png"),
        ("photo.jpg", "image/jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 8, "image/jpeg"),
        ("anim.gif", "image/gif", b"GIF89a" + b"\x00" * 8, "image/gif"),
        ("pic.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("voice.ogg", "audio/ogg", b"OggS\x00\x02", "audio/ogg"),
        ("voice.mp3", "audio/mpeg", b"ID3\x03\x00", "audio/mpeg"),
        ("voice.m4a", "audio/x-m4a", b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        ("voice.wav", "audio/wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        ("voice.webm", "video/webm", b"\x1a\x45\xdf\xa3\x00", "audio/webm"),
        ("report.docx", DOCX, office_zip("word/document.xml"), DOCX),
        ("sheet.xlsx", "application/octet-stream", office_zip("xl/workbook.xml"), XLSX),
        # The bytes decide, not the client: a PDF sent as an image is stored as a PDF.
        ("photo.png", "image/png", PDF, "application/pdf"),
    ],
)
def test_accepted(name, claimed, content, expected):
    assert detect(name, claimed, content) == expected


@pytest.mark.parametrize(
    ("name", "claimed", "content"),
    [
        ("tool.exe", "application/x-msdownload", b"MZ\x90\x00"),
        ("tool.exe", "application/octet-stream", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("archive.zip", "application/zip", office_zip("word/document.xml")),  # a type we do not take
        ("archive.zip", "application/octet-stream", office_zip("other.txt")),  # a zip that is no Office file
        ("fake.png", "image/png", b"<script>alert(1)</script>"),  # text pretending to be an image
        ("fake.pdf", "", b"just text"),  # the extension says PDF, the bytes do not
        ("movie.avi", "video/x-msvideo", b"RIFF\x00\x00\x00\x00AVI "),
        ("drawing.svg", "image/svg+xml", b"<svg/>"),
    ],
)
def test_refused(name, claimed, content):
    assert detect(name, claimed, content) is None


def test_a_multibyte_character_cut_by_the_sample_is_still_text():
    content = b"a" * (content_types.SNIFF_BYTES - 1) + "é".encode()
    assert detect("long.txt", "text/plain", content) == "text/plain"
