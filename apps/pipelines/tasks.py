from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def send_pipeline_email(self, *, recipients: list[str], subject: str, body: str) -> None:
    """Email sent by a Send Email node; retried when the mail server is unavailable."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as error:
        raise self.retry(exc=error) from error
