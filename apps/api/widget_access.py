"""Who may use the chat widget API for a chatbot, and the CORS answer for the embedding page.

- a member of the chatbot's team (browser session) or the team's API key: any version, no token;
- a page with the chatbot's embed key (`X-Embed-Key`) whose `Origin` is on the widget channel's
  allowed origins;
- anyone, for a chatbot with no widget channel (like its public chat link).
Sessions started without team credentials get a session token (`X-Session-Token`) that every later
call for that session must carry."""

from __future__ import annotations

from dataclasses import dataclass

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

    def __init__(self, message: str):
        super().__init__({"error": message, "code": "chat_access_denied"})


@dataclass
class WidgetAccess:
    trusted: bool  # team credentials: may pick versions and set session data; no session token
    origin: str | None  # echoed as Access-Control-Allow-Origin


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
    channels = ExperimentChannel.objects.filter(
        experiment=experiment.working, platform=ExperimentChannel.Platform.EMBEDDED_WIDGET, is_active=True
    )
    embed_key = request.headers.get("X-Embed-Key")
    if embed_key:
        channel = channels.filter(embed_key=embed_key).first()
        if channel is None:
            raise ChatAccessDenied("The embed key is not valid for this chatbot")
        if not channel.allows_origin(origin):
            raise ChatAccessDenied(f"Origin {origin or '(none)'} is not allowed for this widget")
        return WidgetAccess(trusted=False, origin=origin)
    if channels.exists():
        raise ChatAccessDenied("This chatbot's widget needs its embed key (X-Embed-Key)")
    return WidgetAccess(trusted=False, origin=origin)


def session_token(session: ExperimentSession) -> str:
    return signing.dumps(str(session.public_id), salt=TOKEN_SALT)


def check_session_access(request, session: ExperimentSession) -> WidgetAccess:
    access = widget_access(request, session.experiment)
    if access.trusted:
        return access
    token = request.headers.get("X-Session-Token", "")
    try:
        valid = signing.loads(token, salt=TOKEN_SALT) == str(session.public_id)
    except signing.BadSignature:
        valid = False
    if not valid:
        raise ChatAccessDenied("A valid X-Session-Token for this session is required")
    return access
