"""Why an upload or an attachment was refused; `status_code` is the HTTP answer for it."""


class FileUploadError(Exception):
    status_code = 400
    field: str | None = "files"  # the request field the message belongs to (None: not a field error)

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UploadsDisabled(FileUploadError):
    status_code = 403
    field = None


class FileTooLarge(FileUploadError):
    status_code = 413
    field = None


class FileTypeNotAllowed(FileUploadError):
    pass


class AttachmentError(FileUploadError):
    """Attachment ids that are not files of the session (or uploads are off)."""

    field = "attachment_ids"


class TooManyUploads(FileUploadError):
    """Over the per-session upload rate; `retry_after` is how many seconds until the next window."""

    status_code = 429
    field = None

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
