"""Reads for providers, models and usage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from apps.service_providers.kinds import ProviderKind
from apps.service_providers.models import ConfiguredProvider, LlmProvider, LlmProviderModel, LlmUsage
from apps.teams.models import Team


def providers_of_kind(team: Team, kind: ProviderKind) -> QuerySet[ConfiguredProvider]:
    return kind.model.objects.filter(team=team).order_by("name")


def llm_models_for(team: Team, provider_type: str | None = None) -> QuerySet[LlmProviderModel]:
    models = LlmProviderModel.objects.available_to(team)
    return models.filter(type=provider_type) if provider_type else models


def team_models(team: Team) -> QuerySet[LlmProviderModel]:
    return LlmProviderModel.objects.filter(team=team).order_by("type", "name")


def default_test_model(team: Team, provider: LlmProvider) -> LlmProviderModel | None:
    """The model 'Test connection' uses unless one is chosen: the team's own first, then the catalogue."""
    candidates = llm_models_for(team, provider.type).filter(deprecated=False)
    return candidates.filter(team=team).first() or candidates.order_by("input_price_per_million", "name").first()


def usage_summary(team: Team, *, days: int = 30, group_by: str = "model_name") -> list[dict[str, Any]]:
    """Calls, tokens and cost per `group_by` (model_name, provider__name, chatbot_id or session_id)."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        LlmUsage.objects.filter(team=team, created_at__gte=since)
        .values(group_by)
        .annotate(
            calls=Count("id"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost=Sum("cost"),
        )
        .order_by("-calls")
    )
    return list(rows)
