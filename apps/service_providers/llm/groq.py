from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.llm.base import LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model

GROQ_BASE_URL = "https://api.groq.com/openai/v1"


class GroqSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field(GROQ_BASE_URL, title="API base URL")


class GroqProvider(LlmProviderType):
    slug = "groq"
    label = "Groq"
    description = "Open models served fast by Groq (OpenAI-compatible API)."
    settings_model = GroqSettings

    def build_chat_model(self, settings, model_name, options, accepted_parameters=None):
        return build_openai_compatible_model(
            model_name=model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=settings.api_key,
            base_url=settings.base_url or GROQ_BASE_URL,
        )
