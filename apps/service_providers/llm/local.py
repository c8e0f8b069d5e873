"""The built-in local model: no API key, no server to install.

The chat model is Gemma 3 270M run by llama.cpp (xllamacpp) in a managed loopback server that the
web and worker processes share (see apps.service_providers.local_llm); it speaks OpenAI's API, so
the OpenAI client gives streaming, JSON-schema output and retries. Embeddings run in-process."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.llm.base import CallOptions, LlmProviderType
from apps.service_providers.llm.openai_family import build_openai_compatible_model
from apps.service_providers.local_llm import DEFAULT_MAX_REPLY_TOKENS

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel


@functools.cache  # one class: a pydantic model class is costly to build on every call
def _local_chat_model_class() -> Any:
    from langchain_openai import ChatOpenAI

    class LocalChatOpenAI(ChatOpenAI):
        """Structured output always by JSON schema: llama.cpp turns the schema into a grammar and
        constrains decoding, so routers and extraction get valid JSON by construction. A tiny model
        asked for a tool call (function_calling) or for free JSON (json_mode) often answers with prose."""

        def with_structured_output(self, schema: Any = None, *, method: str = "json_schema", **kwargs: Any) -> Any:
            return super().with_structured_output(schema, method="json_schema", **kwargs)

    return LocalChatOpenAI


class LocalSettings(ProviderSettings):
    pass


class LocalProvider(LlmProviderType):
    slug = "local"
    label = "Local model (no API key)"
    description = "A small model that runs on this machine: free and private, but much weaker than hosted models."
    settings_model = LocalSettings
    supports_embeddings = True

    def build_chat_model(
        self, settings: Any, model_name: str, options: CallOptions, accepted_parameters: list[str] | None = None
    ) -> BaseChatModel:
        from django.conf import settings as django_settings

        from apps.service_providers.local_llm.server import ensure_local_server

        if not django_settings.LOCAL_LLM_ENABLED:
            raise ProviderConfigError("The local model is turned off on this server (LOCAL_LLM_ENABLED).")
        server = ensure_local_server()
        # The pre-trained 270M model wanders when sampled: decode greedily and keep replies short unless
        # the chatbot asks otherwise (then answers are also repeatable).
        options = replace(
            options,
            temperature=0 if options.temperature is None else options.temperature,
            max_tokens=options.max_tokens or DEFAULT_MAX_REPLY_TOKENS,
        )
        return build_openai_compatible_model(
            model_name=server.model_name,
            options=options,
            accepted=accepted_parameters,
            api_key=None,
            base_url=server.base_url,
            check_base_url=False,  # our own loopback server, allowed even where private addresses are not
            model_class=_local_chat_model_class(),
        )

    def build_embeddings(self, settings: Any, model_name: str, *, timeout: float = 60.0) -> Embeddings:
        from apps.service_providers.embeddings.local import LocalEmbeddings

        return LocalEmbeddings()
