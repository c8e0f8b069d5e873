"""Count tokens offline with tiktoken.

`tiktoken.get_encoding()` downloads an encoding's BPE rank file on first use and keeps it in its cache
directory, which cannot happen here (no network at run time, and none in tests). We ship the rank files
instead (`tiktoken_ranks/`, byte-for-byte OpenAI's: each is checked against the SHA-256 that tiktoken
pins for it) and build each encoding with tiktoken's public constructor, `tiktoken.Encoding(name,
pat_str=..., mergeable_ranks=..., special_tokens=...)`, once per process (ADR 0022).

Nothing is written anywhere and tiktoken's cache directory is never touched: the file is read and parsed
here (one `base64(token) rank` line per token) rather than by `tiktoken.load.load_tiktoken_bpe`, which
copies even a local file into that cache. Code that needs an encoding calls `get_encoding()` from this
module; `tiktoken.get_encoding` is refused by the lint (TID251). If an encoding cannot be built, counts
fall back to an approximation (about 4 characters a token) and a warning is logged once.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apps.service_providers.llm.roles import openai_role

if TYPE_CHECKING:
    import tiktoken
    from langchain_core.messages import BaseMessage

logger = logging.getLogger(__name__)

DEFAULT_ENCODING = "o200k_base"
RANKS_DIR = Path(__file__).resolve().parent / "tiktoken_ranks"
# The SHA-256 tiktoken pins for OpenAI's rank file of each base encoding (tiktoken_ext/openai_public.py):
# a shipped file that matches is byte-for-byte the one tiktoken would download.
RANK_FILE_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

# Split patterns and special tokens as tiktoken defines them (tiktoken_ext/openai_public.py).
ENDOFTEXT = "<|endoftext|>"
ENDOFPROMPT = "<|endofprompt|>"
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"""
    r"""\s+(?!\S)|\s"""
)
O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
O200K_SPECIALS = {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}
# gpt-oss's chat format (harmony): o200k_base's ranks with its own special tokens.
O200K_HARMONY_SPECIALS = {
    **O200K_SPECIALS,
    "<|startoftext|>": 199998,
    "<|reserved_200000|>": 200000,
    "<|reserved_200001|>": 200001,
    "<|return|>": 200002,
    "<|constrain|>": 200003,
    "<|reserved_200004|>": 200004,
    "<|channel|>": 200005,
    "<|start|>": 200006,
    "<|end|>": 200007,
    "<|message|>": 200008,
    "<|reserved_200009|>": 200009,
    "<|reserved_200010|>": 200010,
    "<|reserved_200011|>": 200011,
    "<|call|>": 200012,
} | {f"<|reserved_{i}|>": i for i in range(200013, 201088)}
CL100K_SPECIALS = {
    ENDOFTEXT: 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    ENDOFPROMPT: 100276,
}


@dataclass(frozen=True)
class EncodingSpec:
    ranks: str  # the base encoding whose rank file it uses
    pat_str: str
    special_tokens: Mapping[str, int]


ENCODINGS = {
    "o200k_base": EncodingSpec("o200k_base", O200K_PATTERN, O200K_SPECIALS),
    "o200k_harmony": EncodingSpec("o200k_base", O200K_PATTERN, O200K_HARMONY_SPECIALS),
    "cl100k_base": EncodingSpec("cl100k_base", CL100K_PATTERN, CL100K_SPECIALS),
}
SUPPORTED_ENCODINGS = frozenset(ENCODINGS)

# OpenAI's published accounting for chat messages (the cookbook's num_tokens_from_messages): every message
# is wrapped in <|start|>{role}<|message|>…<|end|> (3 tokens), a name costs 1 more, and every reply is
# primed with <|start|>assistant<|message|> (3 tokens).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3
APPROX_CHARS_PER_TOKEN = 4

_lock = threading.Lock()
_ranks: dict[str, dict[bytes, int]] = {}  # shared by the encodings built on one file
_encodings: dict[str, tiktoken.Encoding] = {}
_failed: set[str] = set()


class OfflineEncodingError(RuntimeError):
    """The encoding cannot be built from the shipped rank files."""


def load_ranks(base: str) -> dict[bytes, int]:
    """The mergeable ranks of a shipped base encoding, after checking its file against tiktoken's pin."""
    expected = RANK_FILE_SHA256.get(base)
    if expected is None:
        raise OfflineEncodingError(f"No rank file is shipped for {base!r}")
    path = RANKS_DIR / f"{base}.tiktoken"
    try:
        contents = path.read_bytes()
    except OSError as error:
        raise OfflineEncodingError(f"Cannot read {path}: {error}") from error
    actual = hashlib.sha256(contents).hexdigest()
    if actual != expected:
        raise OfflineEncodingError(f"{path} has sha256 {actual}, expected {expected}")
    # One "base64(token) rank" line per token; the hash above vouches for the layout. Split at once and
    # zipped: half the time of a loop over lines (which is what tiktoken's loader does).
    fields = contents.split()
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))


def encoding_name_for_model(model: str = "") -> str:
    """The tiktoken encoding to count `model`'s tokens with; o200k_base when unknown.

    OpenAI models map as tiktoken maps them (gpt-4o, gpt-4.1, gpt-5, o-series: o200k_base; gpt-4 and
    gpt-3.5: cl100k_base). Other providers' tokenizers are not shipped; o200k_base is a close proxy for
    their modern BPE vocabularies (counts usually within 10-20%).
    """
    from tiktoken.model import encoding_name_for_model as tiktoken_encoding_for_model

    name = model.strip().lower().rsplit("/", 1)[-1]  # "openai/gpt-4o" -> "gpt-4o"
    if not name:
        return DEFAULT_ENCODING
    try:
        encoding = tiktoken_encoding_for_model(name)
    except KeyError:
        return DEFAULT_ENCODING
    return encoding if encoding in SUPPORTED_ENCODINGS else DEFAULT_ENCODING


def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A tiktoken encoding built from the shipped ranks: about 0.3 s the first time, then one per process.

    Thread-safe. Raises OfflineEncodingError for an encoding we do not ship or a rank file that fails its check.
    """
    encoding = _encodings.get(name)
    if encoding is not None:
        return encoding  # the common case, without taking the lock
    spec = ENCODINGS.get(name)
    if spec is None:
        raise OfflineEncodingError(f"No offline ranks for encoding {name!r}")
    import tiktoken

    with _lock:
        if name not in _encodings:
            if spec.ranks not in _ranks:
                _ranks[spec.ranks] = load_ranks(spec.ranks)
            _encodings[name] = tiktoken.Encoding(
                name,
                pat_str=spec.pat_str,
                mergeable_ranks=_ranks[spec.ranks],
                special_tokens=dict(spec.special_tokens),
            )
        return _encodings[name]


def _encoding_or_none(name: str) -> tiktoken.Encoding | None:
    if name in _failed:
        return None
    try:
        return get_encoding(name)
    except Exception:
        _failed.add(name)
        logger.warning("Offline tiktoken encoding %s unavailable; approximating token counts", name, exc_info=True)
        return None


def count_tokens(text: str, model: str = "") -> int:
    """Number of tokens in `text` for `model` (see `encoding_name_for_model`); special-token text counts as text."""
    if not text:
        return 0
    encoding = _encoding_or_none(encoding_name_for_model(model))
    if encoding is None:
        return math.ceil(len(text) / APPROX_CHARS_PER_TOKEN)
    return len(encoding.encode_ordinary(text))


def _content_text(content: str | list[Any]) -> str:
    # Multimodal content is a list of strings and blocks; only text is counted (images and audio are
    # priced by the provider on their own scale, not in tokens of text).
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "\n".join(parts)


def _message_texts(message: BaseMessage) -> list[str]:
    texts = [openai_role(message.type), _content_text(message.content)]
    for call in getattr(message, "tool_calls", None) or []:
        texts.append(call.get("name") or "")
        texts.append(json.dumps(call.get("args") or {}, ensure_ascii=False))
    return texts


def count_message_tokens(messages: list[BaseMessage], model: str = "") -> int:
    """Tokens a chat request with `messages` costs as input, counted the way OpenAI's chat format frames them.

    For other providers this is an estimate: their framing differs by a few tokens per message.
    """
    if not messages:
        return 0
    total = TOKENS_REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE + sum(count_tokens(text, model) for text in _message_texts(message))
        if message.name:
            total += TOKENS_PER_NAME + count_tokens(message.name, model)
    return total
