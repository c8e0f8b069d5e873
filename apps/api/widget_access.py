"""Who may use the chat widget API for a chatbot, and the CORS answer for the embedding page.

- a member of the chatbot's team (browser session) or the team's API key: any version, no token;
- otherwise each widget channel's `auth_level` says what a call must show (ADR 0010):
  - `none`: nothing (from one of the channel's allowed origins, if it lists any);
  - `embed_key`: the channel's embed key (`X-Embed-Key`) from an `Origin` on its allowed origins;
  - `session_token`: that, and on every call after the start the session token (`X-Session-Token`,
    valid for `WIDGET_SESSION_TOKEN_TTL` seconds) that the start answered with;
- anyone, for a chatbot with no widget channel (like its public chat link).

A `participant_remote_id` is trusted, and reaches that participant's data, only from team credentials,
with a signature the embedding site's server made with the channel's identity secret, or with a valid
session token of a session of that participant; otherwise the session gets a new anonymous
participant (ADR 0010)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from rest_framework import status
from rest_framework.exceptions import APIException

from apps.channels.models import ExperimentChannel
from apps.experiments.models import Experiment, ExperimentSession
from apps.teams.models import Membership

TOKEN_SALT = "chat-session-token"


class ChatAccessDenied(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "chat_access_denied"

    def __init__(self, message: str, code: str = "chat_access_denied"):
        super().__init__({"error": message, "code": code})


@dataclass
class WidgetAccess:
    trusted: bool  # team credentials: may pick versions and set session data; no session token
    origin: str | None  # echoed as Access-Control-Allow-Origin
    channel: ExperimentChannel | None = None  # the widget channel whose embed key was shown
    # Later calls for a session must carry its X-Session-Token (the channel's auth level says so).
    needs_token: bool = False


def _is_team_caller(request, experiment: Experiment) -> bool:
    user = request.user
    if getattr(user, "team", None) is not None:  # an API key
        return user.team.pk == experiment.team_id
    return bool(
        user and user.is_authenticated and Membership.objects.filter(team_id=experiment.team_id, user=user).exists()
    )


def widget_access(request, experiment: Experiment) -> WidgetAccess:
    origin = request.headers.get("Origin")
    if _is_team_caller(request, experiment):
        return WidgetAccess(trusted=True, origin=origin)
    channels = list(
        ExperimentChannel.objects.filter(
            experiment=experiment.working, platform=ExperimentChannel.Platform.EMBEDDED_WIDGET, is_active=True
        )
    )
    embed_key = request.headers.get("X-Embed-Key")
    if embed_key:
        channel = next((each for each in channels if each.embed_key == embed_key), None)
        if channel is None:
            raise ChatAccessDenied("The embed key is not valid for this chatbot")
        # A key is checked at every level: a page that shows one gets the channel's origin rule.
        if not channel.allows_origin(origin):
            raise ChatAccessDenied(f"Origin {origin or '(none)'} is not allowed for this widget")
        return WidgetAccess(
            trusted=False,
            origin=origin,
            channel=channel,
            needs_token=channel.auth_level == ExperimentChannel.AuthLevel.SESSION_TOKEN,
        )
    if not channels:
        return WidgetAccess(trusted=False, origin=origin)
    open_channels = [each for each in channels if each.auth_level == ExperimentChannel.AuthLevel.NONE]
    for channel in open_channels:
        # A browser always sends Origin on a cross-site call, so listed sites still bind browsers here.
        if not channel.allowed_origins or origin is None or channel.allows_origin(origin):
            return WidgetAccess(trusted=False, origin=origin)
    if open_channels:
        raise ChatAccessDenied(f"Origin {origin} is not allowed for this widget")
    raise ChatAccessDenied("This chatbot's widget needs its embed key (X-Embed-Key)")


def session_token(session: ExperimentSession) -> str:
    return signing.dumps(str(session.public_id), salt=TOKEN_SALT)


def token_session_id(token: str) -> str | None:
    """The session id a token was made for; None for a forged one. An expired one is refused."""
    if not token:
        return None
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=settings.WIDGET_SESSION_TOKEN_TTL)
    except signing.SignatureExpired:
        raise ChatAccessDenied(
            "The session token has expired: start a new session", code="session_token_expired"
        ) from None
    except signing.BadSignature:
        return None


def check_session_access(request, session: ExperimentSession) -> WidgetAccess:
    access = widget_access(request, session.experiment)
    if not access.needs_token:
        return access
    if token_session_id(request.headers.get("X-Session-Token", "")) != str(session.public_id):
        raise ChatAccessDenied("A valid X-Session-Token for this session is required")
    return access


def identity_signature(channel: ExperimentChannel, remote_id: str) -> str:
    """What the embedding site's server sends as `participant_remote_id_signature`."""
    return hmac.new(channel.identity_secret.encode(), remote_id.encode(), hashlib.sha256).hexdigest()


class BadIdentitySignature(Exception):
    pass


def remote_id_is_verified(
    request, access: WidgetAccess, experiment: Experiment, remote_id: str, signature: str
) -> bool:
    """Whether the caller has shown it speaks for participant `remote_id` of the chatbot's team."""
    if not remote_id:
        return False
    if access.trusted:
        return True
    if signature:
        if access.channel is None:
            raise BadIdentitySignature("Only a widget channel's embed key can go with a signed participant id")
        expected = identity_signature(access.channel, remote_id).encode()
        if not hmac.compare_digest(signature.lower().encode("utf-8", "surrogatepass"), expected):
            raise BadIdentitySignature("Does not match participant_remote_id signed with the channel's secret")
        return True
    try:
        session_id = token_session_id(request.headers.get("X-Session-Token", ""))
    except ChatAccessDenied:  # expired: starting a new session is what the caller was told to do
        return False
    if session_id is None:
        return False
    return ExperimentSession.objects.filter(
        public_id=session_id, team_id=experiment.team_id, participant__platform="web", participant__identifier=remote_id
    ).exists()


def check_consent(session: ExperimentSession) -> None:
    """A session waiting for consent takes no messages or files (as the public link shows the
    consent form first); `POST /api/chat/<session>/consent/` gives it."""
    if session.status == ExperimentSession.Status.PENDING_CONSENT:
        raise ChatAccessDenied(
            "The participant has not accepted the chatbot's consent form yet: POST to the session's consent/ first",
            code="consent_required",
        )
