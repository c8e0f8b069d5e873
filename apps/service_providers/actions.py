"""Writes for providers, team models and usage records."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.exceptions import ProviderActionError, ProviderInUse
from apps.service_providers.kinds import ProviderKind
from apps.service_providers.llm import catalogue
from apps.service_providers.models import (
    CatalogueEntry,
    ConfiguredProvider,
    EmbeddingProviderModel,
    LlmProvider,
    LlmProviderModel,
)
from apps.service_providers.usages import provider_usages
from apps.teams.config_cache import bump_config_revision
from apps.teams.models import Team


def merge_secrets(
    settings_model: type[ProviderSettings], submitted: dict[str, Any], stored: dict[str, Any]
) -> dict[str, Any]:
    """Secrets left empty in an edit form keep their stored value (the form never shows them)."""
    merged = dict(submitted)
    for name in settings_model.secret_field_names():
        if not merged.get(name) and stored.get(name):
            merged[name] = stored[name]
    return merged


@transaction.atomic
def save_provider(
    *,
    team: Team,
    kind: ProviderKind,
    provider: ConfiguredProvider | None = None,
    type_slug: str,
    name: str,
    settings: ProviderSettings,
) -> ConfiguredProvider:
    """Create (provider=None) or update a provider. `settings` is a validated settings model."""
    model = kind.model
    if model.objects.filter(team=team, name=name).exclude(pk=getattr(provider, "pk", None)).exists():
        raise ProviderActionError(f"A {kind.singular} named “{name}” already exists in this team.")
    if provider is None:
        provider = model(team=team, type=type_slug)
    provider.name = name
    provider.config = settings.to_storage()
    try:
        provider.save()
    except IntegrityError as error:
        raise ProviderActionError(f"Could not save “{name}”: {error}") from error
    return provider


@transaction.atomic
def delete_provider(*, provider: ConfiguredProvider, kind: ProviderKind) -> None:
    usages = provider_usages(provider, kind.slug)
    if usages:
        raise ProviderInUse(provider.name, usages)
    provider.delete()


LOCAL_PROVIDER_NAME = "Local model"


def ensure_local_provider(team: Team) -> LlmProvider:
    provider, _ = LlmProvider.objects.get_or_create(team=team, type="local", defaults={"name": LOCAL_PROVIDER_NAME})
    return provider


def save_team_model(*, team: Team, model: LlmProviderModel | None = None, **fields: Any) -> LlmProviderModel:
    if model is None:
        model = LlmProviderModel(team=team)
    elif model.team_id != team.pk:
        raise ProviderActionError("Built-in models cannot be changed; add a model of your own instead.")
    duplicate = LlmProviderModel.objects.filter(team=team, type=fields["type"], name=fields["name"])
    if duplicate.exclude(pk=model.pk).exists():
        raise ProviderActionError(f"This team already has a model “{fields['name']}” for that provider type.")
    for key, value in fields.items():
        setattr(model, key, value)
    model.save()
    return model


def delete_team_model(*, team: Team, model: LlmProviderModel) -> None:
    if model.team_id != team.pk:
        raise ProviderActionError("Built-in models cannot be deleted.")
    usages = provider_usages(model, "llm_model")
    if usages:
        raise ProviderInUse(model.name, usages)
    model.delete()


def sync_builtin_catalogue() -> None:
    """Make the team-less catalogue rows match llm/catalogue.py; rows no longer listed become deprecated."""
    _sync_builtin(
        LlmProviderModel,
        {
            (entry.type, entry.name): {
                "max_token_limit": entry.max_token_limit,
                "max_output_tokens": entry.max_output_tokens,
                "parameters": list(entry.parameters),
                "supports_tools": entry.supports_tools,
                "supports_structured_output": entry.supports_structured_output,
                "supports_vision": entry.supports_vision,
                "input_price_per_million": entry.input_price,
                "output_price_per_million": entry.output_price,
                "deprecated": entry.deprecated,
            }
            for entry in catalogue.LLM_MODELS
        },
    )
    _sync_builtin(
        EmbeddingProviderModel,
        {
            (entry.type, entry.name): {
                "dimensions": entry.dimensions,
                "max_input_tokens": entry.max_input_tokens,
                "input_price_per_million": entry.input_price,
                "deprecated": False,
            }
            for entry in catalogue.EMBEDDING_MODELS
        },
    )


def _sync_builtin(model: type[CatalogueEntry], listed: dict[tuple[str, str], dict[str, Any]]) -> None:
    stored = {(row.type, row.name): row for row in model.objects.filter(team=None)}
    # New rows in one statement (the whole catalogue after a fresh migrate, or a flush between tests).
    new_rows = [
        model(team=None, type=type_slug, name=name, **values)
        for (type_slug, name), values in listed.items()
        if (type_slug, name) not in stored
    ]
    if model.objects.bulk_create(new_rows):
        bump_config_revision(None)  # bulk_create sends no post_save: every team's cached config is stale
    for (type_slug, name), values in listed.items():
        row = stored.get((type_slug, name))
        if row is not None and any(getattr(row, field) != value for field, value in values.items()):
            # Only a changed row is saved: each save makes every team's cached configuration stale.
            for field, value in values.items():
                setattr(row, field, value)
            row.save()
    for row in model.objects.filter(team=None, deprecated=False):
        if (row.type, row.name) not in listed:
            row.deprecated = True
            row.save(update_fields=["deprecated", "updated_at"])
