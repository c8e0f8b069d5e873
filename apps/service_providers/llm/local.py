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

# A stop string the model cannot write (Gemma's end-of-text token is never rendered as text): sent so
# that the server's default stop strings, which end plain replies, do not cut structured ones.
NEVER_WRITTEN = "<eos>"
STRUCTURED_OUTPUT_TOKENS = DEFAULT_MAX_REPLY_TOKENS


@functools.cache  # one class: a pydantic model class is costly to build on every call
def _local_chat_model_class() -> Any:
    from langchain_openai import ChatOpenAI

    class LocalChatOpenAI(ChatOpenAI):
        """Structured output always by JSON schema: llama.cpp turns the schema into a grammar and
        constrains decoding, so routers and extraction get valid JSON by construction. A tiny model
        asked for a tool call (function_calling) or for free JSON (json_mode) often answers with prose.

        Two things cut such an answer short, measured with the bundled model (an LLM router's answer
        to "My invoice is wrong" was " "; to "Hello", 52 tokens for `{ "route": "weather"}`):
        - the grammar lets whitespace, newlines included, stand between JSON tokens (llama.cpp's
          `space` rule: up to two newlines and 20 spaces or tabs), and the transcript template's
          default stop strings ("\n\n", "\nUser:", …) end the answer at the first blank line. A
          structured call sends a stop string of its own, so the server's defaults do not apply;
        - the whitespace counts against `max_tokens` (a router node's 40, say), and the reply ends
          at the limit before its closing brace. A structured call gets at least
          STRUCTURED_OUTPUT_TOKENS; the grammar ends the answer when the JSON is complete."""

        def with_structured_output(self, schema: Any = None, *, method: str = "json_schema", **kwargs: Any) -> Any:
            update = {"stop": [NEVER_WRITTEN], "max_tokens": max(self.max_tokens or 0, STRUCTURED_OUTPUT_TOKENS)}
            constrained = self.model_copy(update=update)
            return ChatOpenAI.with_structured_output(constrained, schema, method="json_schema", **kwargs)

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
