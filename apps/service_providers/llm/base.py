"""What every LLM provider type module provides.

A provider type turns saved settings (a `ProviderSettings` model) and a model name into a LangChain
chat model or embeddings object. Retries with backoff on 429/5xx and timeouts are the SDKs' own
(each client honours `Retry-After`); callers wrap calls in `translate_errors` (see llm.errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from apps.service_providers.provider_type import ProviderType

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RETRIES = 3

# Parameters a model may take; a catalogue entry lists which of these its model accepts.
TEMPERATURE = "temperature"
MAX_TOKENS = "max_tokens"
TOP_P = "top_p"
REASONING_EFFORT = "reasoning_effort"
KNOWN_PARAMETERS = (TEMPERATURE, MAX_TOKENS, TOP_P, REASONING_EFFORT)
REASONING_EFFORTS = ("minimal", "low", "medium", "high")


@dataclass(frozen=True)
class CallOptions:
    """How one chat model is called: model parameters plus client behaviour."""

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    reasoning_effort: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_retries: int = DEFAULT_MAX_RETRIES
    streaming: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def model_parameters(self, accepted: list[str] | None) -> dict[str, Any]:
        """The set parameters the model accepts (None: accept all known ones)."""
        values = {
            TEMPERATURE: self.temperature,
            MAX_TOKENS: self.max_tokens,
            TOP_P: self.top_p,
            REASONING_EFFORT: self.reasoning_effort,
        }
        return {
            name: value
            for name, value in values.items()
            if value is not None and (accepted is None or name in accepted)
        }


class LlmProviderType(ProviderType):
    """One kind of LLM service. Subclasses live one per module and are listed in llm.registry.
    Test connection is generic (one tiny chat call): see apps.service_providers.llm.service."""

    supports_embeddings: ClassVar[bool] = False
    supports_test_connection = True

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        raise NotImplementedError

    def build_embeddings(
        self, settings: Any, model_name: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> Embeddings:
        raise NotImplementedError(f"{self.label} does not provide embeddings")

    def prepare_settings(self, settings: Any) -> None:
        """Checks before a call that need no network (e.g. a base URL allowed here); raise ProviderConfigError."""
