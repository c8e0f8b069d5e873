"""The local LLM that needs no API key: Gemma 3 270M (bundled GGUF) served by llama.cpp on loopback.

Use ``server.ensure_local_server()`` for an OpenAI-compatible ``base_url``; see server.py and
chat_templates.py for how the server is shared and why its chat format is what it is.
"""
