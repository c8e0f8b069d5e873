"""Upload limits, as the reference API documents them (50 MB a file, 50 MB a request), plus what a
session may hold in all (200 MB) and how often the web chat pages may upload (10 a minute). Settings
may change them: FILE_UPLOAD_MAX_BYTES, FILE_UPLOAD_MAX_TOTAL_BYTES, FILE_UPLOAD_MAX_SESSION_BYTES and
FILE_UPLOADS_PER_SESSION_PER_MINUTE."""

from django.conf import settings

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_SESSION_BYTES = 200 * 1024 * 1024
DEFAULT_UPLOADS_PER_SESSION_PER_MINUTE = 10
MAX_FILES_PER_REQUEST = 20
MAX_ATTACHMENTS_PER_MESSAGE = 20


def max_file_bytes() -> int:
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_total_bytes() -> int:
    return int(getattr(settings, "FILE_UPLOAD_MAX_TOTAL_BYTES", DEFAULT_MAX_BYTES))


def max_session_bytes() -> int:
    """All the files of one session together, across requests and entry points."""
    return int(getattr(settings, "FILE_UPLOAD_MAX_SESSION_BYTES", DEFAULT_MAX_SESSION_BYTES))


def uploads_per_session_per_minute() -> int:
    return int(getattr(settings, "FILE_UPLOADS_PER_SESSION_PER_MINUTE", DEFAULT_UPLOADS_PER_SESSION_PER_MINUTE))


def megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"
