import logging
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from apps.chat.models import ChatMessage
from apps.conversations.bot import BotError, ReplyInProgress, record_failure, respond
from apps.conversations.sweeper import requeue_unanswered

logger = logging.getLogger(__name__)

# A redelivered message whose earlier delivery still holds the claim is tried again a lease later: a
# killed worker's claim has lapsed by then (apps/conversations/claims.py); a live one's reply is made by it, so
# retrying stops after this long, however slow its model.
CLAIM_RETRY_WINDOW_SECONDS = 300


# Task names are the ones they had in apps/chat (ADR 0024): queued messages, the routes in config/celery.py
# and beat's schedule name them.
@shared_task(
    name="apps.chat.tasks.reply_to_message",
    bind=True,
    # Acknowledged only once answered: a message of a worker that dies is delivered again (ADR 0002).
    acks_late=True,
    reject_on_worker_lost=True,
    # The database restarting or briefly unreachable: the next attempt gets a fresh connection.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def reply_to_message(self: Task[Any, Any], human_message_id: int) -> None:
    """Answer a stored inbound message (queued by the widget API). Safe to retry: the bot runtime
    recognises the message id and never answers twice."""
    human = ChatMessage.objects.select_related("chat__session").filter(pk=human_message_id).first()
    if human is None or hasattr(human, "reply"):
        return
    try:
        respond(human.chat.session, human.content, message_id=human.external_id)
    except ReplyInProgress as busy:
        lease = settings.CHAT_CLAIM_LEASE_SECONDS
        attempts = int(CLAIM_RETRY_WINDOW_SECONDS // lease) + 2
        raise self.retry(exc=busy, countdown=lease + 1, max_retries=attempts) from busy
    except BotError as error:
        record_failure(human, error)


@shared_task(name="apps.chat.tasks.requeue_unanswered_messages")
def requeue_unanswered_messages() -> int:
    """Every few seconds (beat): queue again the messages whose task the broker lost (sweeper.py)."""
    return requeue_unanswered(reply_to_message.delay)


def queue_reply(human_message_id: int) -> None:
    """Queue the reply to a stored message once the transaction commits. The broker being down does not
    fail the request: the message is stored, and the sweeper queues it again (apps/conversations/sweeper.py)."""
    from django.db import transaction
    from kombu.exceptions import OperationalError as BrokerUnavailable

    def publish() -> None:
        try:
            reply_to_message.delay(human_message_id)
        except BrokerUnavailable:
            logger.warning("The broker is unreachable; message %s will be queued by the sweeper", human_message_id)

    transaction.on_commit(publish)
