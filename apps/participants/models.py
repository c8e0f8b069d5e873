"""The people chatbots talk to. A participant is one identity on one platform in one team; their
participant data (per chatbot, encrypted) persists across sessions."""

import uuid

from django.conf import settings
from django.db import models

from apps.teams.models import BaseTeamModel
from apps.utils.fields import EncryptedJSONField


class Participant(BaseTeamModel):
    platform = models.CharField(max_length=40, help_text="web, api, telegram, whatsapp, …")
    identifier = models.CharField(max_length=320, help_text="Phone number, chat id, email or an anonymous id")
    name = models.CharField(max_length=200, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(fields=["team", "platform", "identifier"], name="unique_participant_identity")
        ]

    def __str__(self) -> str:
        return self.name or self.identifier


class ParticipantData(BaseTeamModel):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="data_sets")
    experiment = models.ForeignKey("experiments.Experiment", on_delete=models.CASCADE, related_name="participant_data")
    data = EncryptedJSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "experiment"], name="unique_participant_data")]
