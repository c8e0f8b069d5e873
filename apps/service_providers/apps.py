from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

if TYPE_CHECKING:
    from apps.teams.models import Team


class ServiceProvidersConfig(AppConfig):
    name = "apps.service_providers"
    verbose_name = "Service providers"

    def ready(self) -> None:
        from apps.service_providers.models import LlmProvider, LlmProviderModel
        from apps.teams.config_cache import bump_on_change
        from apps.teams.signals import team_created

        bump_on_change(LlmProvider, LlmProviderModel)  # runs read them through the config cache
        post_migrate.connect(_sync_catalogue_after_migrate, sender=self)
        team_created.connect(_add_local_provider, dispatch_uid="service_providers.local_provider")
        from django.conf import settings

        if settings.FAKE_LLM:
            from apps.service_providers.testing.fake_llm import install_global_fake_llm

            install_global_fake_llm(settings.FAKE_LLM_DELAY, settings.FAKE_LLM_STAMPED_TOKENS)


def _sync_catalogue_after_migrate(sender: object, **kwargs: Any) -> None:
    from apps.service_providers.actions import sync_builtin_catalogue

    sync_builtin_catalogue()


def _add_local_provider(sender: object, team: Team, **kwargs: Any) -> None:
    """Every new team can chat at once, with no API key, through the local model."""
    from django.conf import settings

    from apps.service_providers.actions import ensure_local_provider

    if settings.LOCAL_LLM_ENABLED:
        ensure_local_provider(team)
