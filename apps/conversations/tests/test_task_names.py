"""The runtime's tasks keep the names they had in apps/chat (ADR 0024): messages queued before a deploy,
the routes in config/celery.py and beat's schedule name them."""

from django.conf import settings

from apps.conversations.tasks import reply_to_message, requeue_unanswered_messages
from config.celery import app


def test_task_names_outlive_the_move():
    assert reply_to_message.name == "apps.chat.tasks.reply_to_message"
    assert requeue_unanswered_messages.name == "apps.chat.tasks.requeue_unanswered_messages"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert requeue_unanswered_messages.name in scheduled
    assert {reply_to_message.name, requeue_unanswered_messages.name} <= set(app.tasks.keys())
