from celery import shared_task

from apps.files.actions import delete_unattached_files


@shared_task
def delete_unattached_uploads() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): uploads never sent with a message."""
    return delete_unattached_files()
