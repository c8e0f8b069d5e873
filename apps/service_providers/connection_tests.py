"""'Test connection': one minimal real call with a provider's saved settings."""

from __future__ import annotations

from typing import Any

from apps.service_providers.connection_errors import explain, provider_url
from apps.service_providers.errors import ProviderConfigError, ProviderError
from apps.service_providers.kinds import ProviderKind
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import try_chat_model
from apps.service_providers.models import ConfiguredProvider, LlmProvider, LlmProviderModel
from apps.service_providers.selectors import default_test_model

TEST_TIMEOUT_SECONDS = 30.0  # per attempt; the call is tried twice


class NoModelToTest(ProviderConfigError):
    """Neither a model typed or chosen, nor one in the catalogue for the provider's type."""


def check_provider_connection(
    provider: ConfiguredProvider, kind: ProviderKind, model: LlmProviderModel | str | None = None
) -> str:
    """A short success message, or a ProviderError whose message says what is wrong and, for a
    model provider, at which address. `model`: a catalogue model, or a model name typed by the user;
    by default the team's first model of the provider's type, else the catalogue's cheapest."""
    if kind.slug == "llm":
        assert isinstance(provider, LlmProvider)
        model = model or default_test_model(provider.team, provider)
        if model is None:
            raise NoModelToTest(
                "Type the name of a model this provider serves (as its API names it, e.g. llama3.2) to test with."
            )
        try:
            return try_chat_model(provider, model, timeout=TEST_TIMEOUT_SECONDS)
        except ProviderError as error:
            url = provider_url(provider, kind.get_type(provider.type))
            name = model if isinstance(model, str) else model.name
            raise type(error)(
                explain(error, url, name), provider=error.provider, status_code=error.status_code
            ) from error
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
