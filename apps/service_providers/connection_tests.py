"""'Test connection': one minimal real call with a provider's saved settings."""

from __future__ import annotations

from typing import Any

from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.kinds import ProviderKind
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import try_chat_model
from apps.service_providers.models import ConfiguredProvider, LlmProvider, LlmProviderModel
from apps.service_providers.selectors import default_test_model


def check_provider_connection(
    provider: ConfiguredProvider, kind: ProviderKind, model: LlmProviderModel | None = None
) -> str:
    """A short success message, or a ProviderError whose message says what is wrong."""
    if kind.slug == "llm":
        assert isinstance(provider, LlmProvider)
        model = model or default_test_model(provider.team, provider)
        if model is None:
            raise ProviderConfigError("Add a model for this provider type first, then test with it.")
        return try_chat_model(provider, model)
    provider_type = kind.get_type(provider.type)
    if kind.slug == "voice":
        with translate_errors(provider=provider.name):
            message: str = provider_type.build(provider.config, name=provider.name).test_connection()
            return message
    if not can_test_connection(kind, provider_type):
        raise ProviderConfigError(f"{provider_type.label} settings cannot be tested from here.")
    with translate_errors(provider=provider.name):
        result: str = provider_type.test_connection(provider.get_settings())
        return result


def can_test_connection(kind: ProviderKind, provider_type: Any) -> bool:
    return kind.slug in ("llm", "voice") or bool(getattr(provider_type, "supports_test_connection", False))
