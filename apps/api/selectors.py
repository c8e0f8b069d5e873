"""Reads on every API request, written as SQL (apps/utils/sql_rows.py, ADR 0020): each is the
queryset in its docstring, which `apps/api/tests/test_selectors.py` compares it with."""

from __future__ import annotations

from apps.api.models import TeamApiKey
from apps.teams.models import Team
from apps.utils import sql_rows

_ACTIVE_KEY_BY_PREFIX = f"""
    SELECT {sql_rows.columns(TeamApiKey, "k")}, {sql_rows.columns(Team, "t")}
    FROM {sql_rows.table(TeamApiKey)} k JOIN {sql_rows.table(Team)} t ON t.id = k.team_id
    WHERE k.prefix = %s AND k.revoked_at IS NULL
    ORDER BY k.id LIMIT 1
"""


def active_key_by_prefix(prefix: str) -> TeamApiKey | None:
    """`TeamApiKey.objects.select_related("team").filter(prefix=prefix, revoked_at=None).order_by("pk").first()`.
    The creator is read only when a request starts a session for the key's participant."""
    rows = sql_rows.fetch(_ACTIVE_KEY_BY_PREFIX, [prefix])
    if not rows:
        return None
    key = sql_rows.instance(TeamApiKey, rows[0])
    key.team = sql_rows.instance(Team, rows[0], sql_rows.width(TeamApiKey))
    return key
