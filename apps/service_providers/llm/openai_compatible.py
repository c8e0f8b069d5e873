from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.llm.base import CallOptions, LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model, build_openai_embeddings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


class OpenAiCompatibleSettings(ProviderSettings):
    base_url: str = Field(
        title="API base URL",
        description="The server's OpenAI-compatible root, e.g. http://localhost:11434/v1 for Ollama, "
        "http://localhost:1234/v1 for LM Studio, http://localhost:8000/v1 for vLLM or llama.cpp",
    )
    api_key: SecretStr | None = Field(None, title="API key", description="Optional: only if the server asks for one")


class OpenAiCompatibleProvider(LlmProviderType):
    slug = "openai_compatible"
    label = "OpenAI-compatible server"
    description = "Any server with an OpenAI-style API: Ollama, vLLM, LM Studio, llama.cpp."
    settings_model = OpenAiCompatibleSettings
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
        )

    def build_embeddings(self, settings: Any, model_name: str, *, timeout: float = 60.0) -> Embeddings:
        return build_openai_embeddings(
            model_name=model_name, api_key=settings.api_key, base_url=settings.base_url, timeout=timeout
        )
