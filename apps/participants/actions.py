"""Writes for participants: their data per chatbot."""

from __future__ import annotations

from django.db import transaction

from apps.experiments.models import Experiment
from apps.participants.models import Participant, ParticipantData


class ParticipantActionError(Exception):
    """A change that cannot be made; the message is for the user."""


@transaction.atomic
def set_participant_data(*, participant: Participant, chatbot: Experiment, data: dict) -> ParticipantData:
    """Replace the participant's data for this chatbot (what pipelines read and update)."""
    if chatbot.team_id != participant.team_id:
        raise ParticipantActionError("The chatbot belongs to another team.")
    if not isinstance(data, dict):
        raise ParticipantActionError("Participant data must be a JSON object.")
    row, _ = ParticipantData.objects.select_for_update().get_or_create(
        team_id=participant.team_id, participant=participant, experiment=chatbot
    )
    row.data = data
    row.save(update_fields=["data", "updated_at"])
    return row
