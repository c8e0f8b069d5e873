"""The demo data `make run` creates on first run, so a new user can look around at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.api.keys import create_api_key
from apps.api.models import TeamApiKey
from apps.experiments.actions import create_simple_chatbot
from apps.experiments.models import Experiment
from apps.service_providers.actions import ensure_local_provider
from apps.service_providers.models import LlmProviderModel
from apps.teams import actions as team_actions
from apps.teams.models import Team
from apps.users.models import CustomUser

DEMO_EMAIL = "demo@example.com"
DEMO_TEAM_NAME = "Demo team"
CREDENTIALS_FILE = Path(settings.BASE_DIR) / "var" / "demo-credentials.txt"


@transaction.atomic
def ensure_demo_data() -> tuple[str, str, Team]:
    """Create the demo user and team once; return (email, password, team). The password is kept in
    var/demo-credentials.txt (readable by this machine's user only) so every run can print it."""
    user = CustomUser.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user = CustomUser.objects.create_user(username=DEMO_EMAIL, email=DEMO_EMAIL, password=password)
        _mark_email_verified(user)
        CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
        CREDENTIALS_FILE.write_text(password)
        CREDENTIALS_FILE.chmod(0o600)
    password = CREDENTIALS_FILE.read_text().strip() if CREDENTIALS_FILE.exists() else "(changed by you)"
    team = Team.objects.filter(membership__user=user).order_by("created_at").first()
    if team is None:
        team = team_actions.create_team(creator=user, name=DEMO_TEAM_NAME)
    if settings.LOCAL_LLM_ENABLED:
        ensure_local_provider(team)  # demo teams made before the local model existed get it too
    return DEMO_EMAIL, password, team


DEMO_CHATBOT_NAME = "Demo assistant"
DEMO_DESCRIPTION = (
    "Runs on the local model: a tiny offline model for trying things out, so expect short and often wrong "
    "answers. For real use, connect OpenAI, Anthropic, Gemini or another provider under AI providers "
    "and choose its model in this chatbot's pipeline."
)
# Short and plain: the local model is a 270M pre-trained model that follows little more than this. Tried
# with it (apps/service_providers/tests/test_local_llm.py): it greets, answers simple questions in a
# sentence or two and stays on the user's topic.
DEMO_PROMPT = (
    "You are a helpful assistant that answers questions and explains things in simple words. "
    "Reply in one or two sentences. You are a tiny offline demo model, so you may be wrong."
)
API_KEY_FILE = Path(settings.BASE_DIR) / "var" / "demo-api-key.txt"


@dataclass
class DemoChatbot:
    chatbot: Experiment
    api_key: str


@transaction.atomic
def ensure_demo_chatbot(team: Team) -> DemoChatbot | None:
    """A chatbot on the local model and an API key for it, made once; None when the local model is off."""
    if not settings.LOCAL_LLM_ENABLED:
        return None
    chatbot = Experiment.objects.filter(team=team, name=DEMO_CHATBOT_NAME, working_version__isnull=True).first()
    if chatbot is None:
        provider = ensure_local_provider(team)
        model = LlmProviderModel.objects.filter(team=None, type="local").first()
        if model is None:
            return None
        chatbot = create_simple_chatbot(
            team=team,
            name=DEMO_CHATBOT_NAME,
            prompt=DEMO_PROMPT,
            provider=provider,
            model=model,
            description=DEMO_DESCRIPTION,
        )
    if not API_KEY_FILE.exists() or not TeamApiKey.objects.filter(team=team, name="Demo key", revoked_at=None).exists():
        _, raw = create_api_key(team=team, name="Demo key")
        API_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        API_KEY_FILE.write_text(raw)
        API_KEY_FILE.chmod(0o600)
    return DemoChatbot(chatbot=chatbot, api_key=API_KEY_FILE.read_text().strip())


def _mark_email_verified(user: CustomUser) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
