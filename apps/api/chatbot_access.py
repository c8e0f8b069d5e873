"""Shared by the API views: find the key's team's chatbot and session, or 404 (another team's ids
are indistinguishable from unknown ones), and run the bot with API-friendly errors."""

from __future__ import annotations

import uuid

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied

from apps.conversations.bot import BotError, ConversationEnded, ReplyInProgress
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import next_version_number, session_with_participant
from apps.experiments.sessions import (
    carry_participant_data,
    find_participant_with_data,
    start_session,
)
from apps.participants.actions import get_or_create_participant
from apps.teams.config_cache import cached_config

MAX_MESSAGE_CHARS = 10_000


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The message is longer than {MAX_MESSAGE_CHARS} characters."
    default_code = "payload_too_large"


class BotUnavailable(APIException):
    """The chatbot could not answer (a provider error, a failing node); the message says why."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "bot_error"


class ReplyPending(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The reply to this message is still being prepared; retry shortly."
    default_code = "reply_in_progress"


class SessionEnded(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conversation has ended; start a new session."
    default_code = "session_ended"


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("No such chatbot") from None


def chatbot_for(team, public_id) -> Experiment:
    key = _uuid(public_id)
    experiment = cached_config(team, ("chatbot", str(key)), lambda: _working_chatbot(team, key))
    if experiment is None:
        raise NotFound("No such chatbot")
    experiment.team = team  # the caller's, already loaded
    return experiment


def _working_chatbot(team, public_id: uuid.UUID) -> Experiment | None:
    working = Experiment.objects.filter(team=team, public_id=public_id, working_version__isnull=True, is_archived=False)
    # With what the working copy runs when no version is published.
    return working.select_related("pipeline", "source_material").first()


def chatbot_version(experiment: Experiment, number: int) -> Experiment:
    """The chatbot's version `number`; as in Open Chat Studio, the number after the newest version
    (the one the experiments API reports as `version_number`) is the working copy."""
    version = experiment.versions.filter(version_number=number).first()
    if version is None and number > 0 and number == next_version_number(experiment):
        return experiment
    if version is None:
        raise NotFound(f"Chatbot has no version {number}")
    return version


def session_for(team, public_id, experiment: Experiment | None = None) -> ExperimentSession:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such session") from None
    session = session_with_participant(team.pk, key, experiment.pk if experiment is not None else None)
    if session is None:
        raise NotFound("No such session")
    session.team = team  # the caller's, already loaded
    if experiment is not None:
        session.experiment = experiment  # the same row, with its pipeline already loaded
    return session


def check_message_size(text: str) -> None:
    if len(text) > MAX_MESSAGE_CHARS:
        raise PayloadTooLarge()


def bot_error(error: BotError) -> APIException:
    if isinstance(error, ReplyInProgress):
        return ReplyPending()
    if isinstance(error, ConversationEnded):
        return SessionEnded()
    return BotUnavailable(str(error))


def start_api_session(
    request, experiment: Experiment, *, identifier: str | None = None, state: dict | None = None
) -> ExperimentSession:
    """A new session for `identifier` on the API platform, by default the calling key's participant
    (its creator, or the key itself)."""
    from apps.api.authentication import api_caller

    key = api_caller(request).key
    identifier = identifier or key.participant_identifier
    participant = find_participant_with_data(
        # The data is the working copy's, whose session this becomes (start_session), whichever row is given.
        team_id=key.team_id,
        platform="api",
        identifier=identifier,
        experiment_id=experiment.working_version_id or experiment.pk,
    ) or get_or_create_participant(team=key.team, platform="api", identifier=identifier)
    try:
        session = start_session(experiment=experiment, participant=participant, platform="api", state=state)
    except ChatbotActionError as error:
        raise PermissionDenied(str(error)) from error
    return carry_participant_data(session, participant)
