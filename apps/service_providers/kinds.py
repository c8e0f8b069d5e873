"""The kinds of provider a team configures, each with its model and its registry of types.
Views, forms and the usage check are written once over these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps

from apps.service_providers.errors import ProviderConfigError

if TYPE_CHECKING:
    from apps.service_providers.models import ConfiguredProvider


def _llm_types() -> dict[str, Any]:
    from apps.service_providers.llm.registry import LLM_PROVIDER_TYPES

    return dict(LLM_PROVIDER_TYPES)


def _voice_types() -> dict[str, Any]:
    from apps.service_providers.voice.registry import VOICE_PROVIDER_TYPES

    return dict(VOICE_PROVIDER_TYPES)


def _messaging_types() -> dict[str, Any]:
    from apps.service_providers.messaging.registry import MESSAGING_PROVIDER_TYPES

    return dict(MESSAGING_PROVIDER_TYPES)


def _auth_types() -> dict[str, Any]:
    from apps.service_providers.auth.registry import AUTH_PROVIDER_TYPES

    return dict(AUTH_PROVIDER_TYPES)


def _trace_types() -> dict[str, Any]:
    from apps.service_providers.tracing.registry import TRACE_PROVIDER_TYPES

    return dict(TRACE_PROVIDER_TYPES)


@dataclass(frozen=True)
class ProviderKind:
    slug: str
    label: str
    singular: str
    description: str
    model_name: str
    load_types: Callable[[], dict[str, Any]]

    @property
    def model(self) -> type[ConfiguredProvider]:
        model: type[ConfiguredProvider] = apps.get_model("service_providers", self.model_name)
        return model

    def types(self) -> dict[str, Any]:
        return self.load_types()

    def get_type(self, slug: str) -> Any:
        try:
            return self.types()[slug]
        except KeyError:
            raise ProviderConfigError(f"Unknown {self.singular} type '{slug}'") from None

    def type_label(self, slug: str) -> str:
        provider_type = self.types().get(slug)
        return provider_type.label if provider_type else f"{slug} (unknown)"


PROVIDER_KINDS: dict[str, ProviderKind] = {
    kind.slug: kind
    for kind in (
        ProviderKind("llm", "LLM providers", "LLM provider", "Chat and embedding models.", "LlmProvider", _llm_types),
        ProviderKind(
            "voice",
            "Voice providers",
            "voice provider",
            "Speech to text and text to speech.",
            "VoiceProvider",
            _voice_types,
        ),
        ProviderKind(
            "messaging",
            "Messaging providers",
            "messaging provider",
            "Accounts the WhatsApp, SMS and Slack channels send through.",
            "MessagingProvider",
            _messaging_types,
        ),
        ProviderKind(
            "auth",
            "Authentication",
            "authentication provider",
            "Credentials for your own APIs, used by custom actions and MCP servers.",
            "AuthProvider",
            _auth_types,
        ),
        ProviderKind(
            "tracing",
            "Tracing",
            "trace provider",
            "Send traces of chatbot runs to an observability service.",
            "TraceProvider",
            _trace_types,
        ),
    )
}


def get_kind(slug: str) -> ProviderKind:
    try:
        return PROVIDER_KINDS[slug]
    except KeyError:
        raise ProviderConfigError(f"Unknown provider kind '{slug}'") from None


def kind_for_model(model_class: type[ConfiguredProvider]) -> ProviderKind:
    for kind in PROVIDER_KINDS.values():
        if kind.model_name == model_class.__name__:
            return kind
    raise LookupError(model_class)
