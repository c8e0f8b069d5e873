from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.llm.base import LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model, build_openai_embeddings


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

    def build_chat_model(self, settings, model_name, options, accepted_parameters=None):
        return build_openai_compatible_model(
            model_name=model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=settings.api_key,
            base_url=settings.base_url,
        )

    def build_embeddings(self, settings, model_name, *, timeout=60.0):
        return build_openai_embeddings(
            model_name=model_name, api_key=settings.api_key, base_url=settings.base_url, timeout=timeout
        )
