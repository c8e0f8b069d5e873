"""Offline token counting. The suite blocks outbound sockets, so tiktoken downloading anything would fail here."""

import hashlib

import pytest
import tiktoken
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from tiktoken.load import load_tiktoken_bpe

from apps.service_providers import tokens


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    """Each test starts with an empty tiktoken cache and no record of installed files."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tokens, "_installed", set())
    monkeypatch.setattr(tokens, "_failed", set())
    return tmp_path


def test_counts_match_the_official_encodings():
    # Token ids of OpenAI's published encodings.
    assert tokens.get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert tokens.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert tokens.count_tokens("tiktoken is great!", model="gpt-4") == 6
    assert tokens.count_tokens("hello world", model="gpt-4o") == 2


def test_empty_text_has_no_tokens():
    assert tokens.count_tokens("") == 0
    assert tokens.count_message_tokens([]) == 0


def test_special_token_text_is_counted_as_plain_text():
    assert tokens.count_tokens("<|endoftext|>", model="gpt-4o") > 1


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("openai/gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-oss-20b", "o200k_harmony"),
        ("claude-sonnet-4-5", "o200k_base"),
        ("gemini-2.5-flash", "o200k_base"),
        ("", "o200k_base"),
    ],
)
def test_encoding_for_model(model, encoding):
    assert tokens.encoding_name_for_model(model) == encoding


def test_gpt_oss_encoding_builds_from_the_shipped_o200k_file():
    assert tokens.count_tokens("hello world", model="gpt-oss-20b") == 2


def test_installed_files_are_what_tiktoken_itself_loads_offline(fresh_cache):
    tokens.install_offline_encodings()

    for name, (url, sha256, _) in tokens._FILES.items():
        cached = fresh_cache / hashlib.sha1(url.encode()).hexdigest()
        assert hashlib.sha256(cached.read_bytes()).hexdigest() == sha256, name
        # tiktoken's own loader, given the download URL, is served from the cache.
        assert len(load_tiktoken_bpe(url, expected_hash=sha256)) > 100_000
    assert tiktoken.get_encoding("o200k_base").encode("hello world") == [24912, 2375]


def test_a_corrupt_cached_file_is_replaced(fresh_cache):
    url, sha256, _ = tokens._FILES["cl100k_base"]
    cached = fresh_cache / hashlib.sha1(url.encode()).hexdigest()
    cached.write_bytes(b"not a bpe file")

    tokens.install_offline_encodings(["cl100k_base"])

    assert hashlib.sha256(cached.read_bytes()).hexdigest() == sha256


def test_counts_fall_back_to_an_approximation_when_files_cannot_be_installed(monkeypatch):
    def missing():
        raise tokens.OfflineEncodingError("quicktok-v1 not installed")

    monkeypatch.setattr(tokens, "_quicktok_data_dir", missing)

    assert tokens.count_tokens("abcdefghij") == 3  # ceil(10 / 4)
    with pytest.raises(tokens.OfflineEncodingError):
        tokens.get_encoding("cl100k_base")


def test_unknown_encoding_is_refused():
    with pytest.raises(tokens.OfflineEncodingError, match="p50k_base"):
        tokens.install_offline_encodings(["p50k_base"])


def count(text: str) -> int:
    return tokens.count_tokens(text, model="gpt-4o")


def test_message_tokens_follow_openai_chat_framing():
    messages = [SystemMessage("You are a helpful assistant."), HumanMessage("What is the capital of Kenya?")]

    expected = (
        3
        + (3 + count("system") + count("You are a helpful assistant."))
        + (3 + count("user") + count("What is the capital of Kenya?"))
    )
    assert tokens.count_message_tokens(messages, model="gpt-4o") == expected
    assert tokens.count_message_tokens(messages) == expected  # o200k_base is the default


def test_message_names_tool_calls_and_content_blocks_are_counted():
    plain = tokens.count_message_tokens([HumanMessage("Hi")])
    named = tokens.count_message_tokens([HumanMessage("Hi", name="amina")])
    assert named == plain + 1 + count("amina")

    blocks = HumanMessage(content=[{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": "x"}}])
    assert tokens.count_message_tokens([blocks]) == plain

    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Nairobi"}, "id": "call_1"}])
    result = ToolMessage("22 degrees", tool_call_id="call_1")
    assert tokens.count_message_tokens([call, result]) == 3 + (
        3 + count("assistant") + count("") + count("lookup") + count('{"city": "Nairobi"}')
    ) + (3 + count("tool") + count("22 degrees"))
