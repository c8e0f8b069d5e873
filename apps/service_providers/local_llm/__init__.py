"""The local LLM that needs no API key: Gemma 3 270M (bundled GGUF) served by llama.cpp on loopback.

Use ``server.ensure_local_server()`` for an OpenAI-compatible ``base_url``; see server.py and
chat_templates.py for how the server is shared and why its chat format is what it is.
"""

# Tokens of context per conversation. The server is started with it and the catalogue lists it as the
# model's limit, so a prompt refused as too long when saved is exactly one the server would refuse.
DEFAULT_CONTEXT_SIZE = 8192
# A reply's default length when the chatbot sets none: the tiny model drifts and repeats itself in long
# answers, and a short reply also comes back quickly on a laptop's CPU.
DEFAULT_MAX_REPLY_TOKENS = 256


def context_size() -> int:
    from django.conf import settings

    return int(getattr(settings, "LOCAL_LLM_CONTEXT_SIZE", DEFAULT_CONTEXT_SIZE))
