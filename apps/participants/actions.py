"""Writes for participants: who they are, and their data per chatbot.

Participants sit below chatbots (ADR 0024): a chatbot is any team row here (`BaseTeamModel`), so this
module needs nothing from `apps.experiments`; `ParticipantData.experiment` names the model by label."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.participants.models import Participant, ParticipantData
from apps.teams.models import BaseTeamModel, Team
from apps.utils import storable


class ParticipantActionError(Exception):
    """A change that cannot be made; the message is for the user."""


def get_or_create_participant(*, team: Team, platform: str, identifier: str, name: str = "") -> Participant:
    """The team's participant with this identity, created (named `name`) if new."""
    identifier = identifier.strip()
    if not identifier:
        raise ParticipantActionError("A participant needs an identifier")
    # Nearly always the participant exists: one SELECT, not get_or_create's BEGIN, SELECT, COMMIT.
    participant = Participant.objects.filter(team=team, platform=platform, identifier=identifier).first()
    if participant is not None:
        return participant
    try:
        with transaction.atomic():
            participant, _ = Participant.objects.get_or_create(
                team=team, platform=platform, identifier=identifier, defaults={"name": name}
            )
    except IntegrityError:  # created by a concurrent request
        participant = Participant.objects.get(team=team, platform=platform, identifier=identifier)
    return participant


@transaction.atomic
def set_participant_data(*, participant: Participant, chatbot: BaseTeamModel, data: dict) -> ParticipantData:
    """Replace the participant's data for this chatbot (what pipelines read and update)."""
    if chatbot.team_id != participant.team_id:
        raise ParticipantActionError("The chatbot belongs to another team.")
    if not isinstance(data, dict):
        raise ParticipantActionError("Participant data must be a JSON object.")
    storable.check_json(data, "data")  # the edges refused it already; nothing else may store it either
    row, _ = ParticipantData.objects.select_for_update().get_or_create(
        team_id=participant.team_id, participant=participant, experiment_id=chatbot.pk
    )
    row.data = data
    row.save(update_fields=["data", "updated_at"])
    return row


@transaction.atomic
def update_participant(
    *,
    team: Team,
    platform: str,
    identifier: str,
    name: str = "",
    chatbot_data: list[tuple[BaseTeamModel, dict | None]],
) -> Participant:
    """Find or create the participant (team, platform, identifier), rename them when a name is given,
    and for each chatbot replace their data (or, with None, make sure they have a data set)."""
    participant = get_or_create_participant(team=team, platform=platform, identifier=identifier, name=name)
    if name and participant.name != name:
        participant.name = name
        participant.save(update_fields=["name", "updated_at"])
    for chatbot, data in chatbot_data:
        if data is None:
            if chatbot.team_id != participant.team_id:
                raise ParticipantActionError("The chatbot belongs to another team.")
            ParticipantData.objects.get_or_create(
                team_id=participant.team_id, participant=participant, experiment_id=chatbot.pk
            )
        else:
            set_participant_data(participant=participant, chatbot=chatbot, data=data)
    return participant
