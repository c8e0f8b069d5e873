"""Queued messages whose task was lost are queued again.

A message that is answered in the background (the widget API) is stored first, then its task is
queued. The task can still be lost after the message is safe: the broker is down when the web process
queues it, or dies within the second before its append-only file is written. Celery's late
acknowledgement covers a worker that dies, not a task the broker never kept. So a periodic task looks
for such messages: queued for the background, older than `CHAT_REQUEUE_AFTER_SECONDS`, within the
last hour, with no reply, no recorded failure and no live claim, in a conversation still going on,
and queues them again. A message that is being answered meanwhile is answered once all the same: the
claim and the one-reply rule see to that (apps/chat/claims.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from apps.chat.models import ChatMessage, ClaimOwner
from apps.experiments.models import ExperimentSession

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(hours=1)  # older ones are the team's to look at, not the sweeper's to answer
MAX_PER_SWEEP = 500


def unanswered_background_messages(*, older_than: timedelta, limit: int = MAX_PER_SWEEP) -> list[int]:
    """Ids of queued human messages that nobody is answering and nobody will unless queued again."""
    live_owner = ClaimOwner.objects.filter(pk=OuterRef("claimed_by"), expires_at__gt=Now())
    return list(
        ChatMessage.objects.filter(
            answered_in_background=True,
            message_type=ChatMessage.Type.HUMAN,
            created_at__lt=Now() - older_than,
            created_at__gt=Now() - LOOK_BACK,
            reply__isnull=True,
        )
        .filter(Q(claimed_by__isnull=True) | ~Exists(live_owner))
        .exclude(metadata__has_key="error")
        .exclude(chat__session__status=ExperimentSession.Status.COMPLETE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def requeue_unanswered() -> int:
    """Queue every lost message's reply again; how many were queued."""
    from apps.chat.tasks import reply_to_message

    message_ids = unanswered_background_messages(older_than=timedelta(seconds=settings.CHAT_REQUEUE_AFTER_SECONDS))
    for message_id in message_ids:
        reply_to_message.delay(message_id)
    if message_ids:
        logger.warning("Queued %s unanswered message(s) again: their tasks were lost", len(message_ids))
    return len(message_ids)
