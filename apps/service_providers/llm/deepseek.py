from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.llm.base import LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model

DEEPSEEK_BASE_URL = "https://api.deepseek.com/v1"


class DeepSeekSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field(DEEPSEEK_BASE_URL, title="API base URL")


class DeepSeekProvider(LlmProviderType):
    slug = "deepseek"
    label = "DeepSeek"
    description = "DeepSeek's chat and reasoning models (OpenAI-compatible API)."
    settings_model = DeepSeekSettings

    def build_chat_model(self, settings, model_name, options, accepted_parameters=None):
        return build_openai_compatible_model(
            model_name=model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=settings.api_key,
            base_url=settings.base_url or DEEPSEEK_BASE_URL,
        )
