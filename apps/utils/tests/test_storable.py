"""apps.utils.storable: what PostgreSQL can store, the depth limit, the field paths, scrubbing."""

import pytest

from apps.utils import storable


@pytest.fixture(autouse=True)
def depth(settings):
    settings.MAX_JSON_DEPTH = 8


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"a": [1, {"b": "x\\u0000"}]}', "a[1].b"),
        ('{"a": {"k\\ud800": 1}}', "a.k\ufffd"),
        ('["\\udc00"]', "[0]"),
        ('{"a": ' + "[" * 20 + "]" * 20 + "}", "a[0][0][0]"),
        ("[" * 100_000, "[0][0][0][0]"),  # refused before the parser recurses (or sees it is unclosed)
        ('{"a": 1e999}', "a"),
        ('"\\u0000"', ""),
    ],
)
def test_loads_names_the_first_unstorable_place(text, field):
    with pytest.raises(storable.Unstorable) as info:
        storable.loads(text)
    assert info.value.field == field


def test_brackets_inside_strings_do_not_count():
    assert storable.loads('{"a": "' + "[" * 50 + '"}') == {"a": "[" * 50}


@pytest.mark.parametrize("raw", [b"\xff", "NaN", "[Infinity]", '{"a": ', ""])
def test_what_is_not_json_is_a_value_error(raw):
    with pytest.raises(ValueError, match="UTF-8|JSON number|Expecting") as info:
        storable.loads(raw)
    assert not isinstance(info.value, storable.Unstorable)


def test_a_field_prefix_and_the_error_detail():
    with pytest.raises(storable.Unstorable) as info:
        storable.loads('{"k": "\\u0000"}', "participant_data")
    assert storable.error_detail(info.value) == {
        "participant_data": ["participant_data.k: Text may not contain NUL characters or unpaired surrogates."]
    }
    with pytest.raises(storable.Unstorable) as info:
        storable.check_json("\x00")
    assert list(storable.error_detail(info.value)) == ["non_field_errors"]


def test_check_json_walks_values_made_in_python():
    assert storable.storable({"a": [1, 2.5, None, True, "ok"]})
    assert not storable.storable({"a": float("nan")})
    assert not storable.storable(["\ud83d"])
    nested: list = []
    for _ in range(10_000):  # deeper than recursion could go
        nested = [nested]
    assert not storable.storable(nested)


def test_scrub_replaces_what_cannot_be_stored():
    value = {"k\x00": ["a\ud800b", float("inf"), 3, {"x": "\x00"}], "ok": "é"}
    assert storable.scrub(value) == {"k\ufffd": ["a\ufffdb", None, 3, {"x": "\ufffd"}], "ok": "é"}
    assert storable.storable(storable.scrub(value))
