"""Shared construction for providers that speak OpenAI's chat completions API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.http import check_url_allowed, pinned_sdk_clients
from apps.service_providers.llm.base import MAX_TOKENS, REASONING_EFFORT, CallOptions, LlmProviderType
from apps.service_providers.llm.openai_direct import send_without_transform

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


def openai_model_kwargs(model_name: str, options: CallOptions, accepted: list[str] | None) -> dict[str, Any]:
    parameters = options.model_parameters(accepted)
    kwargs: dict[str, Any] = {
        "model": model_name,
        "timeout": options.timeout,
        "max_retries": options.max_retries,
        "streaming": options.streaming,
        # Token usage arrives in the last chunk of a stream only when asked for.
        "stream_usage": True,
        **options.extra,
    }
    if MAX_TOKENS in parameters:
        kwargs["max_tokens"] = parameters.pop(MAX_TOKENS)
    if REASONING_EFFORT in parameters:
        kwargs["reasoning_effort"] = parameters.pop(REASONING_EFFORT)
    kwargs.update(parameters)
    return kwargs


def build_openai_compatible_model(
    *,
    model_name: str,
    options: CallOptions,
    accepted: list[str] | None,
    api_key: SecretStr | str | None,
    base_url: str | None,
    organization: str | None = None,
    check_base_url: bool = True,
    model_class: Any = None,
) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    clients: dict[str, Any] = {}
    if base_url and check_base_url:
        check_url_allowed(base_url)  # a clear error when the model is built...
        clients = pinned_sdk_clients()  # ...and every connection checked and pinned (DNS rebinding)
    key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    chat_model = (model_class or ChatOpenAI)(
        api_key=SecretStr(key or "not-needed"),  # servers without auth still need a non-empty key for the SDK
        base_url=base_url or None,
        organization=organization or None,
        **clients,
        **openai_model_kwargs(model_name, options, accepted),
    )
    sending: BaseChatModel = send_without_transform(chat_model)
    return sending


def build_openai_embeddings(
    *, model_name: str, api_key: SecretStr | None, base_url: str | None, timeout: float
) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings

    clients: dict[str, Any] = {}
    if base_url:
        check_url_allowed(base_url)
        clients = pinned_sdk_clients()
    return OpenAIEmbeddings(
        model=model_name,
        api_key=api_key or SecretStr("not-needed"),
        base_url=base_url or None,
        **clients,
        timeout=timeout,
        # Client-side length checks would split texts by tokens; the API truncates over-long inputs itself.
        check_embedding_ctx_length=False,
    )


class HostedOpenAiCompatibleSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field("", title="API base URL", description="Leave empty for the vendor's default")


class HostedOpenAiCompatibleProvider(LlmProviderType):
    """A vendor whose API is OpenAI's chat completions at its own default URL (DeepSeek, Groq)."""

    default_base_url: ClassVar[str]
    settings_model = HostedOpenAiCompatibleSettings

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        return build_openai_compatible_model(
            model_name=model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=settings.api_key,
            base_url=settings.base_url or self.default_base_url,
        )
