"""Offline token counting. The suite blocks outbound sockets, so tiktoken downloading anything would fail here."""

import hashlib
import os

import pytest
import tiktoken_ext.openai_public  # noqa: TID251 - compared with, never used: its constructors download
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from apps.service_providers import tokens

SAMPLE = "Habari ya asubuhi? Nimefurahi kukuona.\n\n  def f(x):\n\treturn x**2  # 12345678"
CONTRACTIONS = "I'm sure they'll've done it by 2026-12-07."


@pytest.fixture
def fresh_encodings(tmp_path, monkeypatch):
    """Encodings built anew (not the process's), with tiktoken's cache pointed at an empty directory."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.setattr(tokens, "_ranks", {})
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_failed", set())
    return tmp_path


# Token ids from OpenAI's cookbook ("tiktoken is great!"); the others were computed with quicktok, an
# independent C++ implementation with its own copy of the ranks, when the rank files were added.
KNOWN = [
    ("o200k_base", "hello world", [24912, 2375]),
    ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
    (
        "o200k_base",
        "日本語のテキストも数えます。",
        [9048, 40909, 3385, 16056, 18368, 38236, 8446, 7135, 18606, 14429, 788],
    ),
    ("o200k_base", SAMPLE, 29),
    ("o200k_base", CONTRACTIONS, 15),
    ("cl100k_base", "hello world", [15339, 1917]),
    ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    (
        "cl100k_base",
        "日本語のテキストも数えます。",
        [9080, 22656, 45918, 252, 16144, 57933, 62903, 71634, 3484, 28359, 58942, 33541, 1811],
    ),
    ("cl100k_base", SAMPLE, 32),
    ("cl100k_base", CONTRACTIONS, 17),
    ("o200k_harmony", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
    ("o200k_harmony", SAMPLE, 29),
]


@pytest.mark.parametrize(("name", "text", "ids_or_count"), KNOWN)
def test_every_encoding_we_offer_gives_the_official_tokens(name, text, ids_or_count):
    ids = tokens.get_encoding(name).encode_ordinary(text)
    assert (ids if isinstance(ids_or_count, list) else len(ids)) == ids_or_count


def test_every_offered_encoding_is_tested():
    assert {name for name, _, _ in KNOWN} == tokens.SUPPORTED_ENCODINGS


def test_counts_by_model():
    assert tokens.count_tokens("tiktoken is great!", model="gpt-4") == 6
    assert tokens.count_tokens("hello world", model="gpt-4o") == 2


def test_harmony_special_tokens():
    encoding = tokens.get_encoding("o200k_harmony")
    assert encoding.encode("<|start|>user<|message|>", allowed_special="all") == [200006, 1428, 200008]
    assert encoding.n_vocab == 201088


def test_our_definitions_are_tiktokens(fresh_encodings, monkeypatch):
    """Patterns, special tokens and pinned hashes as tiktoken's own constructors give them, fed our files."""
    pinned = []

    def shipped(url, expected_hash=None):
        base = url.rsplit("/", 1)[-1].removesuffix(".tiktoken")
        pinned.append((base, expected_hash))
        return tokens.load_ranks(base)

    monkeypatch.setattr(tiktoken_ext.openai_public, "load_tiktoken_bpe", shipped)
    for name in tokens.SUPPORTED_ENCODINGS:
        theirs = tiktoken_ext.openai_public.ENCODING_CONSTRUCTORS[name]()
        ours = tokens.get_encoding(name)
        assert ours.name == theirs["name"]
        assert tokens.ENCODINGS[name].pat_str == theirs["pat_str"]
        assert dict(tokens.ENCODINGS[name].special_tokens) == theirs["special_tokens"]
    assert set(pinned) == set(tokens.RANK_FILE_SHA256.items())


def test_shipped_files_are_openais():
    for base, sha256 in tokens.RANK_FILE_SHA256.items():
        assert hashlib.sha256((tokens.RANKS_DIR / f"{base}.tiktoken").read_bytes()).hexdigest() == sha256


def test_nothing_is_written_to_tiktokens_cache(fresh_encodings):
    cache = fresh_encodings / "tiktoken-cache"
    before = os.environ["TIKTOKEN_CACHE_DIR"]
    for name in tokens.SUPPORTED_ENCODINGS:
        tokens.count_tokens("hello world", model="gpt-oss-20b" if name == "o200k_harmony" else "")
        tokens.get_encoding(name)
    assert not cache.exists()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == before


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


def test_a_tampered_rank_file_is_refused_and_counts_fall_back_to_an_approximation(
    fresh_encodings, tmp_path, monkeypatch
):
    original = (tokens.RANKS_DIR / "cl100k_base.tiktoken").read_bytes()
    (tmp_path / "cl100k_base.tiktoken").write_bytes(original.replace(b" 100\n", b" 101\n", 1))
    monkeypatch.setattr(tokens, "RANKS_DIR", tmp_path)

    with pytest.raises(tokens.OfflineEncodingError, match="sha256"):
        tokens.get_encoding("cl100k_base")
    assert tokens.count_tokens("abcdefghij", model="gpt-4") == 3  # ceil(10 / 4)
    assert tokens.count_tokens("abcdefghij", model="gpt-4o") == 3  # o200k_base's file is missing here


def test_unknown_encoding_is_refused():
    with pytest.raises(tokens.OfflineEncodingError, match="p50k_base"):
        tokens.get_encoding("p50k_base")


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
