"""Making, checking and revoking team API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from apps.api.models import TeamApiKey
from apps.api.selectors import active_key_by_prefix
from apps.teams.actions import lock_team
from apps.teams.models import Membership, Team

KEY_PREFIX = "cs_"


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class NotAMember(Exception):
    """The key's maker is not (or no longer) a member of the team allowed to make keys."""


@transaction.atomic
def create_api_key(*, team: Team, name: str, created_by=None) -> tuple[TeamApiKey, str]:
    """(the stored key, the raw key to show once). A key made by a member is made under the team lock
    that removing a member takes (apps.teams.actions.lock_team), after checking they are still a
    member: a removal either comes first (no key) or waits and revokes the new key too."""
    if created_by is not None:
        lock_team(team.pk)
        membership = Membership.objects.filter(team=team, user=created_by).first()
        if membership is None:
            raise NotAMember(f"{created_by} is not a member of this team")
        if not membership.has_perm("api.add_teamapikey"):  # demoted since the view checked
            raise NotAMember(f"{created_by} may no longer make API keys for this team")
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    key = TeamApiKey.objects.create(
        team=team, name=name.strip() or "API key", prefix=prefix, key_hash=_hash(raw), created_by=created_by
    )
    return key, raw


def find_api_key(raw_key: str) -> TeamApiKey | None:
    """The active key matching `raw_key`, or None."""
    if not raw_key.startswith(KEY_PREFIX) or "." not in raw_key:
        return None
    prefix = raw_key[len(KEY_PREFIX) :].split(".", 1)[0]
    key = active_key_by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw_key)):
        return None
    return key


def mark_used(key: TeamApiKey) -> None:
    # At most once a minute: a write per request would cost more than the request.
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        TeamApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def revoke_api_key(*, key: TeamApiKey) -> None:
    TeamApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())


def revoke_keys_of(*, team_id: int, user_id: int) -> int:
    """Revoke the team's keys a member made, as they leave the team (however their membership ends):
    a key acts with its maker's standing, so it must not outlive it (ADR 0010). The number revoked."""
    keys = TeamApiKey.objects.filter(team_id=team_id, created_by_id=user_id, revoked_at=None)
    return keys.update(revoked_at=timezone.now())
