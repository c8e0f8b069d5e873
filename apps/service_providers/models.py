"""Connections to AI and messaging services, per team, and the models they offer.

Every provider row holds a `type` (a slug in that kind's registry) and its settings in `config`,
encrypted at rest; secrets in it are never rendered back (see config_models.ProviderSettings)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

from apps.teams.models import BaseTeamModel, Team
from apps.utils.fields import EncryptedJSONField
from apps.utils.models import BaseModel

if TYPE_CHECKING:
    from apps.service_providers.kinds import ProviderKind


class ConfiguredProvider(BaseTeamModel):
    type = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    config = EncryptedJSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def kind(cls) -> ProviderKind:
        from apps.service_providers.kinds import kind_for_model

        return kind_for_model(cls)

    @property
    def provider_type(self) -> Any:  # the kind's ProviderType subclass
        return self.kind().get_type(self.type)

    @property
    def type_label(self) -> str:
        return self.kind().type_label(self.type)

    def get_settings(self) -> Any:
        return self.provider_type.settings_model.model_validate(self.config or {})


def _unique_name(model_name: str) -> list[models.BaseConstraint]:
    return [models.UniqueConstraint(fields=["team", "name"], name=f"unique_{model_name}_name_per_team")]


class LlmProvider(ConfiguredProvider):
    class Meta(ConfiguredProvider.Meta):
        constraints = _unique_name("llm_provider")


class VoiceProvider(ConfiguredProvider):
    class Meta(ConfiguredProvider.Meta):
        constraints = _unique_name("voice_provider")


class MessagingProvider(ConfiguredProvider):
    class Meta(ConfiguredProvider.Meta):
        constraints = _unique_name("messaging_provider")


class AuthProvider(ConfiguredProvider):
    class Meta(ConfiguredProvider.Meta):
        constraints = _unique_name("auth_provider")


class TraceProvider(ConfiguredProvider):
    class Meta(ConfiguredProvider.Meta):
        constraints = _unique_name("trace_provider")


class CatalogueQuerySet(models.QuerySet[Any]):
    def available_to(self, team: Team) -> Self:
        """The built-in catalogue plus the team's own models."""
        return self.filter(Q(team__isnull=True) | Q(team=team))


class CatalogueEntry(BaseModel):
    """A model a provider type offers. `team` is NULL for the built-in catalogue (apps/service_providers/
    llm/catalogue.py, shared by every team and read-only) and set for a team's own models."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    type = models.CharField(max_length=40)
    name = models.CharField(max_length=200, help_text="The model's name in the provider's API")
    input_price_per_million = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    deprecated = models.BooleanField(default=False)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["type", "deprecated", "name"]

    @property
    def is_builtin(self) -> bool:
        return self.team_id is None


def _catalogue_constraints(kind: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(
            fields=["type", "name"], condition=Q(team__isnull=True), name=f"unique_builtin_{kind}_model"
        ),
        models.UniqueConstraint(fields=["team", "type", "name"], name=f"unique_team_{kind}_model"),
    ]


class LlmProviderModel(CatalogueEntry):
    max_token_limit = models.PositiveIntegerField(help_text="Context window, in tokens")
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=list, blank=True, help_text="Parameters the model accepts")
    supports_tools = models.BooleanField(default=True)
    supports_structured_output = models.BooleanField(default=True)
    supports_vision = models.BooleanField(default=False, help_text="Accepts images in a message")
    output_price_per_million = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)

    class Meta(CatalogueEntry.Meta):
        constraints = _catalogue_constraints("llm")

    def __str__(self) -> str:
        return self.name + (" (deprecated)" if self.deprecated else "")

    @property
    def prices(self) -> tuple[Decimal, Decimal] | None:
        """(input, output) USD per million tokens, or None when either is unknown."""
        if self.input_price_per_million is None or self.output_price_per_million is None:
            return None
        return (self.input_price_per_million, self.output_price_per_million)


class EmbeddingProviderModel(CatalogueEntry):
    dimensions = models.PositiveIntegerField()
    max_input_tokens = models.PositiveIntegerField(default=8191)

    class Meta(CatalogueEntry.Meta):
        constraints = _catalogue_constraints("embedding")

    def __str__(self) -> str:
        return self.name


class LlmUsage(BaseTeamModel):
    """One model call: tokens, latency and cost. Chatbot and session ids are filled in by the bot
    runtime through `usage_context`, so cost can be summed per team, chatbot and session."""

    provider = models.ForeignKey(LlmProvider, null=True, blank=True, on_delete=models.SET_NULL)
    provider_model = models.ForeignKey(LlmProviderModel, null=True, blank=True, on_delete=models.SET_NULL)
    model_name = models.CharField(max_length=200)
    source = models.CharField(max_length=40, blank=True, help_text="What made the call: pipeline, test, evaluation")
    chatbot_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "created_at"])]
