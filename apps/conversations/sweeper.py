"""Queued messages whose task was lost are queued again.

A message that is answered in the background (the widget API) is stored first, then its task is
queued. The task can still be lost after the message is safe: the broker is down when the web process
queues it, or dies within the second before its append-only file is written. Celery's late
acknowledgement covers a worker that dies, not a task the broker never kept. So a periodic task looks
for such messages: queued for the background, older than `CHAT_REQUEUE_AFTER_SECONDS`, within the
last hour, with no reply, no recorded failure and no live claim, in a conversation still going on,
and queues them again. A message that is being answered meanwhile is answered once all the same: the
claim and the one-reply rule see to that (apps/conversations/claims.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from apps.chat.models import ChatMessage, ClaimOwner
from apps.experiments.models import ExperimentSession

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(hours=1)  # older ones are the team's to look at, not the sweeper's to answer
MAX_PER_SWEEP = 500
# A message queued again this often and still unanswered kills or outlasts whoever takes it (a poison
# message): it is marked failed, for the poller to say so, instead of being tried for the whole hour.
MAX_REQUEUES = 3
GAVE_UP = "The reply could not be made: every attempt stopped before it was done"


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
        # Queued again a moment ago (stamped below) and maybe still waiting its turn: not again yet.
        .filter(Q(processing_started_at__isnull=True) | Q(processing_started_at__lt=Now() - older_than))
        .exclude(metadata__has_key="error")
        .exclude(chat__session__status=ExperimentSession.Status.COMPLETE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def requeue_unanswered(queue_reply: Callable[[int], object]) -> int:
    """Queue every lost message's reply again with `queue_reply` (the reply task's `delay`, passed in
    by the task that sweeps); how many were queued."""
    message_ids = unanswered_background_messages(older_than=timedelta(seconds=settings.CHAT_REQUEUE_AFTER_SECONDS))
    queued = 0
    for message_id, metadata in ChatMessage.objects.filter(pk__in=message_ids).values_list("pk", "metadata"):
        requeues = int(metadata.get("requeues", 0))
        if requeues >= MAX_REQUEUES:
            ChatMessage.objects.filter(pk=message_id).update(metadata={**metadata, "error": GAVE_UP})
            logger.error("Message %s was queued %s times and never answered; marked failed", message_id, requeues)
            continue
        # Stamped, so the next sweeps leave it alone while it waits its turn in a long queue.
        ChatMessage.objects.filter(pk=message_id).update(
            processing_started_at=Now(), metadata={**metadata, "requeues": requeues + 1}
        )
        queue_reply(message_id)
        queued += 1
    if queued:
        logger.warning("Queued %s unanswered message(s) again: their tasks were lost", queued)
    return queued
