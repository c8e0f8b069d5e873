"""Participants and sessions: who is talking to which chatbot."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.chat.models import Chat, ChatMessage
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment, ExperimentSession
from apps.participants.actions import ParticipantActionError, get_or_create_participant
from apps.participants.models import Participant, ParticipantData
from apps.participants.selectors import participant_with_data
from apps.teams.models import Membership
from apps.utils import storable


def is_allowed(experiment: Experiment, participant: Participant, identifier: str | None = None) -> bool:
    """`identifier` (default the participant's own) is on the chatbot's allow-list, or there is none."""
    allowlist = [entry.strip().lower() for entry in experiment.participant_allowlist or [] if entry.strip()]
    return not allowlist or (identifier or participant.identifier).lower() in allowlist


@transaction.atomic
def start_session(
    *,
    experiment: Experiment,
    participant: Participant,
    platform: str = "web",
    state: dict[str, Any] | None = None,
    version_number: int | None = None,
    needs_consent: bool | None = None,
    allowlist_identifier: str | None = None,
) -> ExperimentSession:
    """A new conversation with the chatbot (always its working copy: versions are chosen per message),
    stored once, as it starts: pinned to `version_number` if given; waiting for consent when
    `needs_consent` says so, or by default on the web when the chatbot has a consent form.
    `allowlist_identifier`: what the allow-list is checked against when it is not the participant's
    identifier (a public-link visitor given a participant of their own, see start_public_chat)."""
    working = experiment.working
    if participant.team_id != working.team_id:
        raise ChatbotActionError("The participant belongs to another team")
    storable.check_json(state or {}, "state")
    if not is_allowed(working, participant, allowlist_identifier):
        raise ChatbotActionError("This participant is not on the chatbot's allow-list")
    if needs_consent is None:
        needs_consent = platform == "web" and working.consent_form_id is not None
    status = ExperimentSession.Status.PENDING_CONSENT if needs_consent else ExperimentSession.Status.ACTIVE
    chat = Chat.objects.create(team=working.team, name=f"{working.name} / {participant}")
    return ExperimentSession.objects.create(
        team=working.team,
        experiment=working,
        participant=participant,
        chat=chat,
        status=status,
        platform=platform,
        state=state or {},
        version_number=version_number,
    )


def add_messages(*, session: ExperimentSession, messages: Iterable[tuple[str, str]]) -> list[ChatMessage]:
    """Store earlier turns of a conversation, (message type, text) each, as a client that starts a
    session with its history gives them (the sessions API, the OpenAI-compatible endpoint)."""
    rows = [
        ChatMessage(
            team_id=session.team_id,
            chat=session.chat,
            message_type=message_type,
            content=storable.check_text(text, f"messages[{index}].content"),
        )
        for index, (message_type, text) in enumerate(messages)
    ]
    if rows:  # bulk_create opens a transaction even for nothing
        ChatMessage.objects.bulk_create(rows)
    return rows


@transaction.atomic
def discard_session(*, session: ExperimentSession, created_since: datetime) -> None:
    """Remove a session whose request failed before a reply was stored (a streamed OpenAI request
    has answered 200 by then, so it cannot roll back): its chat and messages, and the participant
    and participant data the request created (at or after `created_since`) when nothing else uses them.
    Its files are the caller's to delete first (`files.actions.delete_session_files`: files sit above
    sessions in the layers, ADR 0024)."""
    ExperimentSession.objects.filter(pk=session.pk).delete()
    Chat.objects.filter(pk=session.chat_id).delete()  # with its messages
    new_data = ParticipantData.objects.filter(participant_id=session.participant_id, created_at__gte=created_since)
    # Only data no other conversation uses: a concurrent request of the same participant (an API key's
    # own, or the same `user`) may have made it, and its run may be writing to it.
    new_data.filter(experiment_id=session.experiment_id).exclude(
        Exists(
            ExperimentSession.objects.filter(
                participant_id=OuterRef("participant_id"), experiment_id=OuterRef("experiment_id")
            )
        )
    ).delete()
    Participant.objects.filter(pk=session.participant_id, created_at__gte=created_since).exclude(
        Exists(ExperimentSession.objects.filter(participant_id=OuterRef("pk")))
    ).exclude(Exists(ParticipantData.objects.filter(participant_id=OuterRef("pk")))).delete()


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
    try:
        participant = get_or_create_participant(team=experiment.team, platform="web", identifier=identifier, name=name)
    except ParticipantActionError as error:
        raise ChatbotActionError(str(error)) from error
    session = start_session(
        experiment=experiment, participant=participant, platform="web", version_number=version_number or None
    )
    return give_consent(session=session) if consent_given else session


@transaction.atomic
def start_public_chat(
    *,
    experiment: Experiment,
    identifier: str,
    owned: Collection[int] = (),
    user: Any = None,
    browser_identifier: bool = False,
) -> ExperimentSession:
    """A consented web chat for a visitor of the public link who typed `identifier` (or, with
    `browser_identifier`, the random `anonymous-…` identifier the server gave this browser, which is
    the browser's own).

    Typing an identifier proves nothing, so an unverified visitor never gets, or creates, the participant
    with that identifier: the widget's verified identities and a member's own test chat look up that
    same (team, "web", identifier), and a participant a stranger made first would collect the real
    person's data later. The visitor gets a participant of their own (`anonymous-<random>`, named with
    what they typed, which the allow-list is checked against), found again from this browser (`owned`,
    kept in the visitor's Django session). Only a visitor signed in as the account the identifier
    belongs to reaches, or creates, the participant with that identifier.
    The caller remembers the returned session's participant as owned by the browser."""
    identifier = identifier.strip()
    if not identifier:
        raise ChatbotActionError("A participant needs an identifier")
    team = experiment.team
    name = identifier[:200]
    signed_in = user is not None and user.is_authenticated
    participant = None
    if browser_identifier:
        participant = get_or_create_participant(team=team, platform="web", identifier=identifier)
    elif signed_in:
        participant = Participant.objects.filter(team=team, platform="web", identifier=identifier).first()
        if participant is not None and not _is_account_of(user, participant):
            participant = None
        elif participant is None and _is_members_email(user, team, identifier):
            participant = get_or_create_participant(team=team, platform="web", identifier=identifier)
    if participant is None and owned:
        participant = (
            Participant.objects.filter(team=team, platform="web", pk__in=list(owned), name=name)
            .exclude(identifier=identifier)
            .order_by("-pk")
            .first()
        )
    if participant is None:
        participant = Participant.objects.create(
            team=team, platform="web", identifier=f"anonymous-{uuid.uuid4().hex}", name=name
        )
    session = start_session(
        experiment=experiment, participant=participant, platform="web", allowlist_identifier=identifier
    )
    return give_consent(session=session)


def _is_members_email(user: Any, team: Any, identifier: str) -> bool:
    return identifier.lower() == (user.email or "").lower() and Membership.objects.filter(team=team, user=user).exists()


def _is_account_of(user: Any, participant: Participant) -> bool:
    """The participant is the signed-in user's: linked to the account, or a member of the team trying
    the bot under their account's email (as the team's own chat page names them)."""
    if participant.user_id is not None:
        return participant.user_id == user.pk
    return (
        participant.identifier.lower() == (user.email or "").lower()
        and Membership.objects.filter(team_id=participant.team_id, user=user).exists()
    )


def find_participant_with_data(
    *, team_id: int, platform: str, identifier: str, experiment_id: int
) -> Participant | None:
    """The participant, if known, with their data for the chatbot; `carry_participant_data` hands
    that to a session started for them."""
    return participant_with_data(
        team_id=team_id, platform=platform, identifier=identifier.strip(), experiment_id=experiment_id
    )


def carry_participant_data(session: ExperimentSession, participant: Participant) -> ExperimentSession:
    session.loaded_participant_data_id = getattr(participant, "loaded_participant_data_id", None)  # type: ignore[attr-defined]
    session.loaded_participant_data = getattr(participant, "loaded_participant_data", None)  # type: ignore[attr-defined]
    return session


def participant_data_for(session: ExperimentSession) -> ParticipantData:
    loaded_id = getattr(session, "loaded_participant_data_id", None)
    if loaded_id is not None:
        fields = ["id", "team_id", "participant_id", "experiment_id", "data"]  # in the model's field order
        values = [loaded_id, session.team_id, session.participant_id, session.experiment_id]
        return ParticipantData.from_db("default", fields, [*values, session.loaded_participant_data])  # type: ignore[attr-defined]
    data, _ = ParticipantData.objects.get_or_create(
        team_id=session.team_id, participant_id=session.participant_id, experiment_id=session.experiment_id
    )
    return data


def _locked(session: ExperimentSession) -> ExperimentSession:
    """The session's row, locked until the transaction ends (read-modify-write of state and tags)."""
    return ExperimentSession.objects.select_for_update().get(pk=session.pk, team_id=session.team_id)


@transaction.atomic
def end_session(*, session: ExperimentSession) -> ExperimentSession:
    """Mark the conversation complete (as the bot's "end session" intent does); ending it again
    keeps the first end time."""
    row = _locked(session)
    if row.status != ExperimentSession.Status.COMPLETE or row.ended_at is None:
        row.status = ExperimentSession.Status.COMPLETE
        row.ended_at = row.ended_at or timezone.now()
        row.save(update_fields=["status", "ended_at", "updated_at"])
    session.status, session.ended_at, session.updated_at = row.status, row.ended_at, row.updated_at
    return session


@transaction.atomic
def add_session_tags(*, session: ExperimentSession, tags: Iterable[str]) -> list[str]:
    """Add tags to the session (existing ones are kept, each tag once); returns all its tags."""
    tags = storable.check_json(list(tags), "tags")
    row = _locked(session)
    row.tags = sorted({*(row.tags or []), *tags})
    row.save(update_fields=["tags", "updated_at"])
    session.tags = row.tags
    return row.tags


@transaction.atomic
def remove_session_tags(*, session: ExperimentSession, tags: Iterable[str]) -> list[str]:
    """Remove these tags from the session (unknown ones are ignored); returns the tags left."""
    removed = set(tags)
    row = _locked(session)
    row.tags = [tag for tag in row.tags or [] if tag not in removed]
    row.save(update_fields=["tags", "updated_at"])
    session.tags = row.tags
    return row.tags


@transaction.atomic
def update_session_state(*, session: ExperimentSession, state: dict[str, Any]) -> dict[str, Any]:
    """Merge these keys into the session state (what pipelines read and write); returns the new state."""
    if not isinstance(state, dict):
        raise ChatbotActionError("The session state must be a JSON object")
    storable.check_json(state, "state")
    row = _locked(session)
    row.state = {**(row.state or {}), **state}
    row.save(update_fields=["state", "updated_at"])
    session.state = row.state
    return row.state
