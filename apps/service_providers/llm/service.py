"""The one way the rest of the code base gets a chat model or embeddings (DESIGN §3.9).

`get_chat_model` builds the provider type's LangChain model with usage recording attached; callers
wrap calls in `translate_errors` so failures reach users as one readable sentence. Tests replace
models at this seam with `apps.service_providers.testing.fake_llm` (see `use_fake_llm`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING

from cachetools import LRUCache
from langchain_core.messages import HumanMessage

from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.registry import get_llm_provider_type
from apps.service_providers.llm.usage import UsageRecorder, usage_context

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from apps.service_providers.models import EmbeddingProviderModel, LlmProvider, LlmProviderModel

# Tests install a factory here (provider, model name, options) -> chat model; see testing.fake_llm.
_chat_model_override: Callable[[LlmProvider, str, CallOptions], BaseChatModel] | None = None


_CACHE_SIZE = 256
_built_models: LRUCache[tuple[object, ...], BaseChatModel] = LRUCache(maxsize=_CACHE_SIZE)
_built_models_lock = threading.Lock()


def get_chat_model(
    provider: LlmProvider, model: LlmProviderModel | str, options: CallOptions | None = None
) -> BaseChatModel:
    """The provider's chat model. Built once per process for the same provider and model rows (as
    last saved) and options, and shared: building one (a client, a LangChain model whose callbacks
    serialize it on every first call) costs more than a fast model call, and a model is safe to call
    from several threads. A saved change to either row is a new key."""
    options = options or CallOptions()
    key = _cache_key(provider, model, options)
    if key is not None:
        with _built_models_lock:
            cached = _built_models.get(key)  # a read marks the entry as recently used
            if cached is not None:
                return cached
    chat_model = _build_chat_model(provider, model, options)
    if key is not None:
        with _built_models_lock:
            _built_models[key] = chat_model  # the least recently used model goes when full
    return chat_model


def _cache_key(provider: LlmProvider, model: LlmProviderModel | str, options: CallOptions) -> tuple[object, ...] | None:
    if provider.pk is None or (not isinstance(model, str) and model.pk is None):
        return None  # unsaved rows (a settings form being tried) have no identity to key on
    model_key = model if isinstance(model, str) else (model.pk, model.updated_at)
    option_values = tuple(getattr(options, option.name) for option in fields(options) if option.name != "extra")
    extra = json.dumps(options.extra, sort_keys=True, default=str)
    # The test seam's factory is part of the key: another fake is another model.
    return (_chat_model_override, provider.pk, provider.updated_at, model_key, option_values, extra)


def _build_chat_model(provider: LlmProvider, model: LlmProviderModel | str, options: CallOptions) -> BaseChatModel:
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


def get_embeddings(provider: LlmProvider, model: EmbeddingProviderModel | str) -> Embeddings:
    model_name = model if isinstance(model, str) else model.name
    provider_type = get_llm_provider_type(provider.type)
    with translate_errors(provider=provider.name, model=model_name):
        return provider_type.build_embeddings(provider_type.parse_settings(provider.config), model_name)


def try_chat_model(provider: LlmProvider, model: LlmProviderModel | str, *, timeout: float = 30) -> str:
    """One minimal real call with the saved settings; a short message for the user, or ProviderError."""
    options = CallOptions(max_tokens=16, temperature=0, max_retries=1, timeout=timeout)
    model_name = model if isinstance(model, str) else model.name
    chat_model = get_chat_model(provider, model, options)
    started = time.perf_counter()
    with usage_context(source="test"), translate_errors(provider=provider.name, model=model_name, retries=1):
        reply = chat_model.invoke([HumanMessage("Reply with the single word OK.")])
    seconds = time.perf_counter() - started
    text = reply.text.strip() if hasattr(reply, "text") else str(reply.content)
    return f"Model '{model_name}' answered in {seconds:.1f} s: “{text[:80]}”"
