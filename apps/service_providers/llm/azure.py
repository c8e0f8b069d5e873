from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.http import check_url_allowed, pinned_sdk_clients
from apps.service_providers.llm.base import CallOptions, LlmProviderType
from apps.service_providers.llm.openai_family import openai_model_kwargs

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


DEFAULT_API_VERSION = "2024-10-21"


class AzureOpenAiSettings(ProviderSettings):
    endpoint: str = Field(title="Endpoint", description="e.g. https://my-resource.openai.azure.com")
    api_key: SecretStr = Field(title="API key")
    api_version: str = Field(DEFAULT_API_VERSION, title="API version")


class AzureOpenAiProvider(LlmProviderType):
    """Models are addressed by deployment name: a chatbot's "model" is the Azure deployment."""

    slug = "azure"
    label = "Azure OpenAI"
    description = "OpenAI models deployed in your Azure subscription; the model name is the deployment name."
    settings_model = AzureOpenAiSettings
    supports_embeddings = True

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        from langchain_openai import AzureChatOpenAI

        check_url_allowed(settings.endpoint)
        kwargs = openai_model_kwargs(model_name, options, accepted_parameters)
        kwargs["azure_deployment"] = kwargs["model"]
        return AzureChatOpenAI(
            azure_endpoint=settings.endpoint,
            api_key=settings.api_key,
            api_version=settings.api_version or DEFAULT_API_VERSION,
            **pinned_sdk_clients(),
            **kwargs,
        )

    def build_embeddings(self, settings: Any, model_name: str, *, timeout: float = 60.0) -> Embeddings:
        from langchain_openai import AzureOpenAIEmbeddings

        check_url_allowed(settings.endpoint)
        return AzureOpenAIEmbeddings(
            azure_endpoint=settings.endpoint,
            api_key=settings.api_key,
            api_version=settings.api_version or DEFAULT_API_VERSION,
            azure_deployment=model_name,
            timeout=timeout,
            check_embedding_ctx_length=False,
            **pinned_sdk_clients(),
        )
