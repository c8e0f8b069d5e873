"""Every LLM provider type, by slug. Adding a type: write its module, list it here."""

from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.llm.anthropic import AnthropicProvider
from apps.service_providers.llm.azure import AzureOpenAiProvider
from apps.service_providers.llm.base import LlmProviderType
from apps.service_providers.llm.deepseek import DeepSeekProvider
from apps.service_providers.llm.gemini import GeminiProvider
from apps.service_providers.llm.groq import GroqProvider
from apps.service_providers.llm.local import LocalProvider
from apps.service_providers.llm.openai import OpenAiProvider
from apps.service_providers.llm.openai_compatible import OpenAiCompatibleProvider

LLM_PROVIDER_TYPES: dict[str, LlmProviderType] = {
    provider.slug: provider
    for provider in (
        LocalProvider(),
        OpenAiProvider(),
        AzureOpenAiProvider(),
        AnthropicProvider(),
        GeminiProvider(),
        DeepSeekProvider(),
        GroqProvider(),
        OpenAiCompatibleProvider(),
    )
}


def get_llm_provider_type(slug: str) -> LlmProviderType:
    try:
        return LLM_PROVIDER_TYPES[slug]
    except KeyError:
        raise ProviderConfigError(f"Unknown LLM provider type '{slug}'") from None
