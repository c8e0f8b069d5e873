"""What uses a provider, so deleting one in use is refused with the list.

Foreign keys to a provider are found automatically (any model with a ForeignKey to it); apps that
reference providers inside JSON (pipeline node parameters) register a finder here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

UsageFinder = Callable[[object], list[str]]
_finders: dict[str, list[UsageFinder]] = {}

# Reverse relations that record history rather than use: deleting the provider keeps these rows.
IGNORED_RELATIONS = {"service_providers.LlmUsage"}


def register_usage_finder(kind: str, finder: UsageFinder) -> None:
    _finders.setdefault(kind, []).append(finder)


def unregister_usage_finder(kind: str, finder: UsageFinder) -> None:
    _finders.get(kind, []).remove(finder)


def provider_usages(provider: Model, kind: str) -> list[str]:
    usages: list[str] = []
    for relation in provider._meta.related_objects:
        if relation.related_model._meta.label in IGNORED_RELATIONS or not relation.one_to_many:
            continue
        related = relation.related_model._default_manager.filter(**{relation.field.name: provider})
        for obj in related[:20]:
            usages.append(f"{relation.related_model._meta.verbose_name} “{obj}”")
    for finder in _finders.get(kind, []):
        usages.extend(finder(provider))
    return usages
