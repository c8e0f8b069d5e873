from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.http import DualPinnedTransport, check_url_allowed
from apps.service_providers.llm.base import MAX_TOKENS, REASONING_EFFORT, CallOptions, LlmProviderType

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


THINKING_BUDGETS = {"minimal": 0, "low": 1024, "medium": 8192, "high": 24576}


class GeminiSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field("", title="API base URL", description="Leave empty for generativelanguage.googleapis.com")


class GeminiProvider(LlmProviderType):
    slug = "gemini"
    label = "Google Gemini"
    description = "Gemini models through the Gemini API (Google AI Studio keys)."
    settings_model = GeminiSettings
    supports_embeddings = True

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        from langchain_google_genai import ChatGoogleGenerativeAI

        if settings.base_url:
            check_url_allowed(settings.base_url)
        parameters = options.model_parameters(accepted_parameters)
        kwargs = {}
        if MAX_TOKENS in parameters:
            kwargs["max_output_tokens"] = parameters.pop(MAX_TOKENS)
        if effort := parameters.pop(REASONING_EFFORT, None):
            kwargs["thinking_budget"] = THINKING_BUDGETS.get(effort, THINKING_BUDGETS["medium"])
        return ChatGoogleGenerativeAI(
            model=model_name,
            google_api_key=settings.api_key,
            base_url=settings.base_url or None,
            client_args=pinned_client_args(settings),
            timeout=options.timeout,
            # The Google SDK counts attempts, not retries: 1 means no retry.
            max_retries=options.max_retries + 1,
            streaming=options.streaming,
            **parameters,
            **kwargs,
            **options.extra,
        )

    def build_embeddings(self, settings: Any, model_name: str, *, timeout: float = 60.0) -> Embeddings:
        from langchain_google_genai import GoogleGenerativeAIEmbeddings

        if settings.base_url:
            check_url_allowed(settings.base_url)
        kwargs = {"base_url": settings.base_url} if settings.base_url else {}
        return GoogleGenerativeAIEmbeddings(
            model=model_name, api_key=settings.api_key, client_args=pinned_client_args(settings), **kwargs
        )


def pinned_client_args(settings: GeminiSettings) -> dict[str, Any] | None:
    """A team's own base URL is connected to only at an address that was checked when the request was
    sent (DNS rebinding); Google's own endpoint keeps the SDK's default client."""
    return {"transport": DualPinnedTransport()} if settings.base_url else None
