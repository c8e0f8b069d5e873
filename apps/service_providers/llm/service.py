"""The one way the rest of the code base gets a chat model or embeddings (DESIGN §3.9).

`get_chat_model` builds the provider type's LangChain model with usage recording attached; callers
wrap calls in `translate_errors` so failures reach users as one readable sentence. Tests replace
models at this seam with `apps.service_providers.testing.fake_llm` (see `use_fake_llm`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage

from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.registry import get_llm_provider_type
from apps.service_providers.llm.usage import UsageRecorder, usage_context

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from apps.service_providers.models import EmbeddingProviderModel, LlmProvider, LlmProviderModel

# Tests install a factory here (provider, model name, options) -> chat model; see testing.fake_llm.
_chat_model_override: Callable[[LlmProvider, str, CallOptions], BaseChatModel] | None = None


def get_chat_model(
    provider: LlmProvider, model: LlmProviderModel | str, options: CallOptions | None = None
) -> BaseChatModel:
    options = options or CallOptions()
    model_name = model if isinstance(model, str) else model.name
    accepted = None if isinstance(model, str) else list(model.parameters or [])
    if _chat_model_override is not None:
        chat_model = _chat_model_override(provider, model_name, options)
    else:
        provider_type = get_llm_provider_type(provider.type)
        with translate_errors(provider=provider.name, model=model_name):
            settings = provider_type.parse_settings(provider.config)
            chat_model = provider_type.build_chat_model(settings, model_name, options, accepted)
    recorder = UsageRecorder(
        team_id=provider.team_id,
        provider_id=provider.pk,
        provider_model_id=None if isinstance(model, str) else model.pk,
        model_name=model_name,
        prices=None if isinstance(model, str) else model.prices,
    )
    existing = chat_model.callbacks if isinstance(chat_model.callbacks, list) else []
    chat_model.callbacks = [*existing, recorder]
    return chat_model


def get_embeddings(provider: LlmProvider, model: EmbeddingProviderModel | str):
    model_name = model if isinstance(model, str) else model.name
    provider_type = get_llm_provider_type(provider.type)
    with translate_errors(provider=provider.name, model=model_name):
        return provider_type.build_embeddings(provider_type.parse_settings(provider.config), model_name)


def try_chat_model(provider: LlmProvider, model: LlmProviderModel | str) -> str:
    """One minimal real call with the saved settings; a short message for the user, or ProviderError."""
    options = CallOptions(max_tokens=16, temperature=0, max_retries=1, timeout=30)
    model_name = model if isinstance(model, str) else model.name
    chat_model = get_chat_model(provider, model, options)
    started = time.perf_counter()
    with usage_context(source="test"), translate_errors(provider=provider.name, model=model_name, retries=1):
        reply = chat_model.invoke([HumanMessage("Reply with the single word OK.")])
    seconds = time.perf_counter() - started
    text = reply.text.strip() if hasattr(reply, "text") else str(reply.content)
    return f"Model '{model_name}' answered in {seconds:.1f} s: “{text[:80]}”"
