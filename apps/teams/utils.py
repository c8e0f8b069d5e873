"""The current team for work that runs outside a request (Celery tasks, management commands)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.teams.models import Team

_current_team: ContextVar[Team | None] = ContextVar("current_team", default=None)


def get_current_team() -> Team | None:
    return _current_team.get()


@contextmanager
def current_team(team: Team | None) -> Iterator[Team | None]:
    token = _current_team.set(team)
    try:
        yield team
    finally:
        _current_team.reset(token)
