"""Participants and sessions: who is talking to which chatbot."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.chat.models import Chat
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment, ExperimentSession
from apps.participants.models import Participant, ParticipantData
from apps.teams.models import Team


def get_or_create_participant(*, team: Team, platform: str, identifier: str, name: str = "") -> Participant:
    identifier = identifier.strip()
    if not identifier:
        raise ChatbotActionError("A participant needs an identifier")
    try:
        with transaction.atomic():
            participant, _ = Participant.objects.get_or_create(
                team=team, platform=platform, identifier=identifier, defaults={"name": name}
            )
    except IntegrityError:  # created by a concurrent request
        participant = Participant.objects.get(team=team, platform=platform, identifier=identifier)
    return participant


def is_allowed(experiment: Experiment, participant: Participant) -> bool:
    allowlist = [entry.strip().lower() for entry in experiment.participant_allowlist or [] if entry.strip()]
    return not allowlist or participant.identifier.lower() in allowlist


@transaction.atomic
def start_session(*, experiment: Experiment, participant: Participant, platform: str = "web") -> ExperimentSession:
    """A new conversation with the chatbot (always its working copy: versions are chosen per message)."""
    working = experiment.working
    if participant.team_id != working.team_id:
        raise ChatbotActionError("The participant belongs to another team")
    if not is_allowed(working, participant):
        raise ChatbotActionError("This participant is not on the chatbot's allow-list")
    needs_consent = platform == "web" and working.consent_form_id is not None
    status = ExperimentSession.Status.PENDING_CONSENT if needs_consent else ExperimentSession.Status.ACTIVE
    chat = Chat.objects.create(team=working.team, name=f"{working.name} / {participant}")
    return ExperimentSession.objects.create(
        team=working.team, experiment=working, participant=participant, chat=chat, status=status, platform=platform
    )


def give_consent(*, session: ExperimentSession) -> ExperimentSession:
    if session.status == ExperimentSession.Status.PENDING_CONSENT:
        session.status = ExperimentSession.Status.ACTIVE
        session.save(update_fields=["status", "updated_at"])
    return session


@transaction.atomic
def start_web_chat(
    *,
    experiment: Experiment,
    identifier: str,
    name: str = "",
    consent_given: bool = False,
    version_number: int | None = None,
) -> ExperimentSession:
    """A web chat for one person (a team member trying the bot, or a visitor of the public link),
    optionally pinned to one version of the chatbot."""
    participant = get_or_create_participant(team=experiment.team, platform="web", identifier=identifier, name=name)
    session = start_session(experiment=experiment, participant=participant, platform="web")
    if version_number:
        session.version_number = version_number
        session.save(update_fields=["version_number", "updated_at"])
    return give_consent(session=session) if consent_given else session


def participant_data_for(session: ExperimentSession) -> ParticipantData:
    data, _ = ParticipantData.objects.get_or_create(
        team_id=session.team_id, participant_id=session.participant_id, experiment_id=session.experiment_id
    )
    return data
