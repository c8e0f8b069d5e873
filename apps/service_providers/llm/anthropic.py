from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.http import check_url_allowed
from apps.service_providers.llm.base import MAX_TOKENS, REASONING_EFFORT, CallOptions, LlmProviderType

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


# Anthropic requires max_tokens on every request.
DEFAULT_MAX_TOKENS = 4096
THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}


class AnthropicSettings(ProviderSettings):
    api_key: SecretStr = Field(title="API key")
    base_url: str = Field("", title="API base URL", description="Leave empty for api.anthropic.com")


class AnthropicProvider(LlmProviderType):
    slug = "anthropic"
    label = "Anthropic"
    description = "Claude models from api.anthropic.com."
    settings_model = AnthropicSettings

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        from langchain_anthropic import ChatAnthropic

        if settings.base_url:
            check_url_allowed(settings.base_url)
        parameters = options.model_parameters(accepted_parameters)
        max_tokens = parameters.pop(MAX_TOKENS, None) or DEFAULT_MAX_TOKENS
        kwargs: dict[str, Any] = {}
        if effort := parameters.pop(REASONING_EFFORT, None):
            budget = THINKING_BUDGETS.get(effort, THINKING_BUDGETS["medium"])
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": budget}
            max_tokens = max(max_tokens, budget + 1024)
            parameters.pop("temperature", None)  # extended thinking refuses a temperature
        if settings.base_url:
            # A team's own URL: connections pinned to checked addresses (ChatAnthropic takes no client).
            from apps.service_providers.llm.anthropic_pinned import PinnedChatAnthropic

            return PinnedChatAnthropic(
                model=model_name,
                api_key=settings.api_key,
                base_url=settings.base_url,
                timeout=options.timeout,
                max_retries=options.max_retries,
                max_tokens=max_tokens,
                streaming=options.streaming,
                thinking=kwargs.get("thinking"),
                parameters={**parameters, **options.extra},
            )
        return ChatAnthropic(
            model_name=model_name,
            api_key=settings.api_key,
            base_url=settings.base_url or None,
            timeout=options.timeout,
            max_retries=options.max_retries,
            max_tokens=max_tokens,  # type: ignore[call-arg]  # a field name; the stubs know only its alias
            streaming=options.streaming,
            **parameters,
            **kwargs,
            **options.extra,
        )
