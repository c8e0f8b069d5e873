"""Conversations: a Chat holds the messages of one session."""

from django.db import models
from django.db.models import Q

from apps.teams.models import BaseTeamModel


class Chat(BaseTeamModel):
    name = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name or f"Chat {self.pk}"


class ChatMessage(BaseTeamModel):
    class Type(models.TextChoices):
        HUMAN = "human"
        AI = "ai"
        SYSTEM = "system"

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    message_type = models.CharField(max_length=10, choices=Type.choices)
    content = models.TextField()
    metadata = models.JSONField(default=dict, blank=True)  # trace id, route, error, …
    tags = models.JSONField(default=list, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    # The sender's id for this message (channel message id, client retry key): a retried delivery
    # with the same id is recognised instead of stored twice.
    external_id = models.CharField(max_length=200, null=True, blank=True)
    # The claim on this (human) message while a process produces its reply, so a retried delivery of
    # the same message waits for that reply instead of making a second one: the ClaimOwner answering
    # it and since when. A claim whose owner's lease has lapsed is free (apps/conversations/claims.py). Cleared
    # when the attempt fails; left as it is once the reply exists (the reply then answers a retry).
    # No foreign key: owners' rows are deleted once lapsed, and a claim naming a missing owner is free.
    claimed_by = models.BigIntegerField(null=True, blank=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    # Stored by a surface that answers later, through the queue (the widget API): should its task be
    # lost (the broker stopped before writing it down), the sweeper queues it again (apps/conversations/sweeper.py).
    answered_in_background = models.BooleanField(default=False)
    # The human message this reply answers.
    reply_to = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reply")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chat", "external_id"], condition=Q(external_id__isnull=False), name="unique_chat_external_id"
            )
        ]
        indexes = [
            # The sweeper's look at the last hour's queued messages.
            models.Index(
                fields=["created_at"], condition=Q(answered_in_background=True), name="chat_msg_background_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_type}: {self.content[:40]}"


class ClaimOwner(models.Model):
    """A process that answers messages, alive while it renews its lease (apps/conversations/claims.py).
    Not a team's: one process answers every team's messages."""

    expires_at = models.DateTimeField()
    host = models.CharField(max_length=255, blank=True)  # for whoever looks at a stuck claim
    pid = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
