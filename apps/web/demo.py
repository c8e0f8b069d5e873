"""The demo data `make run` creates on first run, so a new user can look around at once."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.service_providers.actions import ensure_local_provider
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


def _mark_email_verified(user: CustomUser) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
