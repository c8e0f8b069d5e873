from celery import shared_task

from apps.teams import emails


@shared_task(ignore_result=True)
def send_invitation_email(invitation_id: int) -> None:
    emails.send_invitation_email(invitation_id)
