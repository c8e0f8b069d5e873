"""Upload limits, as the reference API documents them (50 MB a file, 50 MB a request). Settings may
lower them: FILE_UPLOAD_MAX_BYTES and FILE_UPLOAD_MAX_TOTAL_BYTES."""

from django.conf import settings

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_FILES_PER_REQUEST = 20
MAX_ATTACHMENTS_PER_MESSAGE = 20


def max_file_bytes() -> int:
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_total_bytes() -> int:
    return int(getattr(settings, "FILE_UPLOAD_MAX_TOTAL_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"
