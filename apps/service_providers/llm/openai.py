from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.llm.base import CallOptions, LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model, build_openai_embeddings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


class OpenAiSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field("", title="API base URL", description="Leave empty for api.openai.com")
    organization: str = Field("", title="Organization ID", description="Optional")


class OpenAiProvider(LlmProviderType):
    slug = "openai"
    label = "OpenAI"
    description = "GPT models from api.openai.com."
    settings_model = OpenAiSettings
    supports_embeddings = True

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        return build_openai_compatible_model(
            model_name=model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=settings.api_key,
            base_url=settings.base_url,
            organization=settings.organization,
        )

    def build_embeddings(self, settings: Any, model_name: str, *, timeout: float = 60.0) -> Embeddings:
        return build_openai_embeddings(
            model_name=model_name, api_key=settings.api_key, base_url=settings.base_url, timeout=timeout
        )
