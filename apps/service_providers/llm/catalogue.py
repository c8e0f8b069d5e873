"""The built-in model catalogue: what each provider type offers, its limits, parameters and price.

Synced into the database (team = NULL rows) after every migrate, so a release that updates this file
updates every deployment; models dropped from here are kept but marked deprecated, since chatbots
may still point at them. Teams add their own models (fine-tunes, Azure deployments, Ollama tags).
Prices are USD per million tokens, as published by each vendor when this file was last revised.
"""

from dataclasses import dataclass
from decimal import Decimal

from apps.service_providers import local_llm
from apps.service_providers.llm.base import MAX_TOKENS, REASONING_EFFORT, TEMPERATURE, TOP_P

SAMPLING = [TEMPERATURE, MAX_TOKENS, TOP_P]
REASONING = [MAX_TOKENS, REASONING_EFFORT]
HYBRID = [TEMPERATURE, MAX_TOKENS, TOP_P, REASONING_EFFORT]


@dataclass(frozen=True)
class CatalogueModel:
    type: str
    name: str
    max_token_limit: int  # context window, in tokens
    max_output_tokens: int
    parameters: list[str]
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    supports_tools: bool = True
    supports_structured_output: bool = True
    supports_vision: bool = False  # accepts images in a message
    deprecated: bool = False


@dataclass(frozen=True)
class CatalogueEmbeddingModel:
    type: str
    name: str
    dimensions: int
    max_input_tokens: int
    input_price: Decimal | None = None


def _m(
    type_: str,
    name: str,
    context: int,
    output: int,
    parameters: list[str],
    price_in: str,
    price_out: str,
    **flags: bool,
) -> CatalogueModel:
    return CatalogueModel(type_, name, context, output, parameters, Decimal(price_in), Decimal(price_out), **flags)


LLM_MODELS: list[CatalogueModel] = [
    # The context the local server is started with (not the model's 32k), so the limits agree.
    _m("local", "gemma-3-270m", local_llm.context_size(), 2_048, SAMPLING, "0", "0", supports_tools=False),
    # OpenAI
    _m("openai", "gpt-5", 400_000, 128_000, REASONING, "1.25", "10", supports_vision=True),
    _m("openai", "gpt-5-mini", 400_000, 128_000, REASONING, "0.25", "2", supports_vision=True),
    _m("openai", "gpt-5-nano", 400_000, 128_000, REASONING, "0.05", "0.40", supports_vision=True),
    _m("openai", "gpt-4.1", 1_047_576, 32_768, SAMPLING, "2", "8", supports_vision=True),
    _m("openai", "gpt-4.1-mini", 1_047_576, 32_768, SAMPLING, "0.40", "1.60", supports_vision=True),
    _m("openai", "gpt-4.1-nano", 1_047_576, 32_768, SAMPLING, "0.10", "0.40", supports_vision=True),
    _m("openai", "gpt-4o", 128_000, 16_384, SAMPLING, "2.50", "10", supports_vision=True),
    _m("openai", "gpt-4o-mini", 128_000, 16_384, SAMPLING, "0.15", "0.60", supports_vision=True),
    _m("openai", "o3", 200_000, 100_000, REASONING, "2", "8", supports_vision=True),
    _m("openai", "o4-mini", 200_000, 100_000, REASONING, "1.10", "4.40", supports_vision=True),
    # Azure OpenAI: the name is the usual deployment name; teams add their own deployments.
    _m("azure", "gpt-4.1", 1_047_576, 32_768, SAMPLING, "2", "8", supports_vision=True),
    _m("azure", "gpt-4.1-mini", 1_047_576, 32_768, SAMPLING, "0.40", "1.60", supports_vision=True),
    _m("azure", "gpt-4o", 128_000, 16_384, SAMPLING, "2.50", "10", supports_vision=True),
    _m("azure", "gpt-4o-mini", 128_000, 16_384, SAMPLING, "0.15", "0.60", supports_vision=True),
    # Anthropic
    _m("anthropic", "claude-sonnet-4-5", 200_000, 64_000, HYBRID, "3", "15", supports_vision=True),
    _m("anthropic", "claude-haiku-4-5", 200_000, 64_000, HYBRID, "1", "5", supports_vision=True),
    _m("anthropic", "claude-opus-4-1", 200_000, 32_000, HYBRID, "15", "75", supports_vision=True),
    _m(
        "anthropic",
        "claude-3-5-haiku-latest",
        200_000,
        8_192,
        SAMPLING,
        "0.80",
        "4",
        deprecated=True,
        supports_vision=True,
    ),
    # Google Gemini
    _m("gemini", "gemini-2.5-pro", 1_048_576, 65_536, HYBRID, "1.25", "10", supports_vision=True),
    _m("gemini", "gemini-2.5-flash", 1_048_576, 65_536, HYBRID, "0.30", "2.50", supports_vision=True),
    _m("gemini", "gemini-2.5-flash-lite", 1_048_576, 65_536, HYBRID, "0.10", "0.40", supports_vision=True),
    _m("gemini", "gemini-2.0-flash", 1_048_576, 8_192, SAMPLING, "0.10", "0.40", deprecated=True, supports_vision=True),
    # DeepSeek
    _m("deepseek", "deepseek-chat", 128_000, 8_192, SAMPLING, "0.28", "0.42"),
    _m("deepseek", "deepseek-reasoner", 128_000, 64_000, [MAX_TOKENS], "0.28", "0.42", supports_tools=False),
    # Groq
    _m("groq", "llama-3.3-70b-versatile", 131_072, 32_768, SAMPLING, "0.59", "0.79"),
    _m("groq", "llama-3.1-8b-instant", 131_072, 131_072, SAMPLING, "0.05", "0.08"),
    _m("groq", "openai/gpt-oss-120b", 131_072, 65_536, HYBRID, "0.15", "0.75"),
    _m("groq", "openai/gpt-oss-20b", 131_072, 65_536, HYBRID, "0.075", "0.30"),
]

EMBEDDING_MODELS: list[CatalogueEmbeddingModel] = [
    CatalogueEmbeddingModel("local", "all-MiniLM-L6-v2", 384, 256, Decimal("0")),
    CatalogueEmbeddingModel("openai", "text-embedding-3-small", 1536, 8191, Decimal("0.02")),
    CatalogueEmbeddingModel("openai", "text-embedding-3-large", 3072, 8191, Decimal("0.13")),
    CatalogueEmbeddingModel("azure", "text-embedding-3-small", 1536, 8191, Decimal("0.02")),
    CatalogueEmbeddingModel("gemini", "gemini-embedding-001", 3072, 2048, Decimal("0.15")),
]
