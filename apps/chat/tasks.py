from celery import shared_task

from apps.chat.bot import BotError, record_failure, respond
from apps.chat.models import ChatMessage


@shared_task(acks_late=True)
def reply_to_message(human_message_id: int) -> None:
    """Answer a stored inbound message (queued by the widget API). Safe to retry: the bot runtime
    recognises the message id and never answers twice."""
    human = ChatMessage.objects.select_related("chat__session").filter(pk=human_message_id).first()
    if human is None or hasattr(human, "reply"):
        return
    try:
        respond(human.chat.session, human.content, message_id=human.external_id)
    except BotError as error:
        record_failure(human, error)
