"""Count tokens offline with tiktoken.

tiktoken downloads its BPE rank files on first use, which cannot happen here (no network at run time, and
none in tests). The `quicktok-v1` package ships the ranks of `o200k_base` and `cl100k_base` in its own
binary layout; we rebuild the exact `.tiktoken` files from them, check them against the SHA-256 that
tiktoken itself pins for OpenAI's files, and place them in tiktoken's cache under the name tiktoken looks
for. From then on `tiktoken.get_encoding()` finds them there and never reaches for the network, for this
module and for any other code in the process (text splitters, LangChain's token counting).

`install_offline_encodings()` does that once per process; everything here calls it lazily.

The cache is tiktoken's own: `$TIKTOKEN_CACHE_DIR`, else `$DATA_GYM_CACHE_DIR`, else
`<tempdir>/data-gym-cache`. Set `TIKTOKEN_CACHE_DIR` to a project directory in deployments where the
temporary directory is shared or read-only. If the files cannot be installed, counts fall back to an
approximation (about 4 characters a token) and a warning is logged once.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import math
import os
import struct
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apps.service_providers.llm.roles import openai_role

if TYPE_CHECKING:
    import tiktoken
    from langchain_core.messages import BaseMessage

logger = logging.getLogger(__name__)

DEFAULT_ENCODING = "o200k_base"
# What tiktoken fetches for each shipped file, and the SHA-256 it pins for it (tiktoken_ext.openai_public):
# matching the pinned hash proves the rebuilt file is byte-for-byte OpenAI's.
_FILES = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "o200k.vocab",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "cl100k.vocab",
    ),
}
# Encodings tiktoken builds from the shipped files: o200k_harmony (gpt-oss) is o200k_base plus specials.
SUPPORTED_ENCODINGS = frozenset({"o200k_base", "o200k_harmony", "cl100k_base"})
_BASE_FILE = {"o200k_base": "o200k_base", "o200k_harmony": "o200k_base", "cl100k_base": "cl100k_base"}

# OpenAI's published accounting for chat messages (the cookbook's num_tokens_from_messages): every message
# is wrapped in <|start|>{role}<|message|>…<|end|> (3 tokens), a name costs 1 more, and every reply is
# primed with <|start|>assistant<|message|> (3 tokens).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3
APPROX_CHARS_PER_TOKEN = 4

_install_lock = threading.Lock()
_installed: set[str] = set()
_failed: set[str] = set()


class OfflineEncodingError(RuntimeError):
    """The encoding's files could not be installed into tiktoken's cache."""


def tiktoken_cache_dir() -> Path | None:
    """The directory tiktoken reads cached files from, or None when the user turned its cache off."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return Path(os.environ[var]) if os.environ[var] else None
    return Path(tempfile.gettempdir(), "data-gym-cache")


def _cache_path(cache_dir: Path, url: str) -> Path:
    # tiktoken's own cache key (tiktoken/load.py, read_file_cached).
    return cache_dir / hashlib.sha1(url.encode()).hexdigest()


def _quicktok_data_dir() -> Path:
    spec = importlib.util.find_spec("quicktok")
    if spec is None or not spec.submodule_search_locations:
        raise OfflineEncodingError("The quicktok-v1 package, which ships the BPE ranks, is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_quicktok_vocab(path: Path) -> Iterable[tuple[bytes, int]]:
    # quicktok's layout: u32 count, then per token a u16 length, the token's bytes and its u32 rank
    # (little-endian). Any misreading shows up as a hash mismatch below.
    data = path.read_bytes()
    (count,) = struct.unpack_from("<I", data, 0)
    offset = 4
    for _ in range(count):
        (length,) = struct.unpack_from("<H", data, offset)
        token = data[offset + 2 : offset + 2 + length]
        (rank,) = struct.unpack_from("<I", data, offset + 2 + length)
        offset += 6 + length
        yield token, rank
    if offset != len(data):
        raise OfflineEncodingError(f"Unexpected layout of {path}")


def _build_tiktoken_file(vocab_file: str, expected_sha256: str) -> bytes:
    path = _quicktok_data_dir() / vocab_file
    ranked = sorted(_read_quicktok_vocab(path), key=lambda item: item[1])
    contents = b"".join(base64.b64encode(token) + b" " + str(rank).encode() + b"\n" for token, rank in ranked)
    actual = hashlib.sha256(contents).hexdigest()
    if actual != expected_sha256:
        raise OfflineEncodingError(f"Ranks rebuilt from {path} have sha256 {actual}, expected {expected_sha256}")
    return contents


def _has_valid_file(path: Path, expected_sha256: str) -> bool:
    # tiktoken deletes a cached file whose hash is wrong and downloads a new one, so only a good file will do.
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected_sha256
    except OSError:
        return False


def _install_file(base_name: str) -> None:
    url, expected_sha256, vocab_file = _FILES[base_name]
    cache_dir = tiktoken_cache_dir()
    if cache_dir is None:
        raise OfflineEncodingError("TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off")
    target = _cache_path(cache_dir, url)
    if _has_valid_file(target, expected_sha256):
        return
    contents = _build_tiktoken_file(vocab_file, expected_sha256)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a concurrent reader (another process) never sees half a file.
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(contents)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def install_offline_encodings(names: Iterable[str] = ("o200k_base", "cl100k_base")) -> None:
    """Put the shipped BPE files where tiktoken looks, so `tiktoken.get_encoding(name)` works offline.

    Idempotent and thread-safe; about 0.3 s per encoding the first time on a machine, a hash check after.
    Raises OfflineEncodingError if a file cannot be installed.
    """
    names = list(names)
    if all(_BASE_FILE.get(name) in _installed for name in names):
        return  # the common case, without taking the lock
    with _install_lock:
        for name in names:
            base = _BASE_FILE.get(name)
            if base is None:
                raise OfflineEncodingError(f"No offline file for encoding {name!r}")
            if base not in _installed:
                _install_file(base)
                _installed.add(base)


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
    """A tiktoken encoding, loaded offline (tiktoken keeps one instance per process)."""
    import tiktoken

    install_offline_encodings([name])
    return tiktoken.get_encoding(name)


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
