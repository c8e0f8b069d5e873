"""A per-process cache of a team's configuration rows (chatbots, their served versions and pipelines,
LLM providers and models), so a message does not read the same unchanged rows on every request.

Validity comes from the database, not from time: `Team.config_revision` is bumped right after any
change to those rows commits (saves and deletes through the signals registered with
`bump_on_change`, bulk updates through `bump_config_revision` in the actions that make them), and
every entry's key holds the revision it was read under. A request that has read its team row (the
API key's lookup does) therefore never sees configuration older than that row. A change made in this
process is seen at once, even by a caller holding an older team row: the key also holds a count of
this process's own changes (a rolled-back change only costs a reload). See ADR 0013.

The bump runs after the commit, not inside the change's transaction: inside, the team row would
become a lock every configuration write of the team takes, in no fixed order, and two writes (a
version being created, the builder saving) could deadlock. A process that dies between the commit
and the bump leaves other processes on the old entries until they expire (`_TIMEOUT_SECONDS`).

The backend is always the process's own memory (`CACHES["config"]`, never Redis): entries hold
decrypted provider settings, and local memory also hands each caller its own copy (entries are
pickled), so a caller may change what it gets."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import caches
from django.db import transaction
from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

from apps.teams.models import Team

T = TypeVar("T")
_MISSING = object()
_TIMEOUT_SECONDS = 5 * 60  # unused entries leave; a change reaches others through the revision
_changes = itertools.count(1)
_last_local_change: dict[int | None, int] = {}  # team id (None: every team) -> a number unique to that change


def cached_config(team: Team, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
    """`load()`'s result for `key` in `team`'s configuration as of the team row's revision."""
    cache = caches["config"]
    local = (_last_local_change.get(team.pk, 0), _last_local_change.get(None, 0))
    cache_key = ":".join(str(part) for part in (team.pk, team.config_revision, *local, *key))
    found = cache.get(cache_key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = load()
    cache.set(cache_key, value, _TIMEOUT_SECONDS)
    return value


def bump_config_revision(team_id: int | None) -> None:
    """Make every cached entry of the team stale: in this process at once, in every process once
    the current transaction commits. `None` (a built-in catalogue row) means every team."""
    _last_local_change[team_id] = next(_changes)
    transaction.on_commit(lambda: _bump_committed(team_id), robust=True)


def _bump_committed(team_id: int | None) -> None:
    teams = Team.objects.all() if team_id is None else Team.objects.filter(pk=team_id)
    teams.update(config_revision=F("config_revision") + 1)
    _last_local_change[team_id] = next(_changes)  # entries loaded before the commit are not reused


def _bump_for_row(sender, instance: Model, **kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    bump_config_revision(getattr(instance, "team_id", None))


def bump_on_change(*models: type[Model]) -> None:
    """Called from the owning app's `ready()` for each model whose rows `cached_config` loads."""
    for model in models:
        post_save.connect(_bump_for_row, sender=model, dispatch_uid=f"config-revision-save-{model._meta.label}")
        post_delete.connect(_bump_for_row, sender=model, dispatch_uid=f"config-revision-delete-{model._meta.label}")
