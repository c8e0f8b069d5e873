"""What PostgreSQL can store, checked once at the edge.

A `text` or `jsonb` value holds no NUL character and no unpaired surrogate, and `jsonb` holds no NaN
or infinity; JSON nested thousands deep makes Python's parser raise RecursionError. Input from
outside (request bodies, query parameters, form fields) is refused here with the field that is wrong
(`messages[0].content`), so the database never sees it and a client gets a 400, not a 500. Values the
platform makes itself (a code node's output) are scrubbed instead (`scrub`): nobody is there to
correct them, and the run and its trace should still be stored.

The nesting limit is the `MAX_JSON_DEPTH` setting (containers inside containers; a flat object is 1)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django import forms
from django.conf import settings
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

NUL_OR_SURROGATE = "may not contain NUL characters or unpaired surrogates"
# Error paths name at most this many levels: enough to find the field, short enough to read.
PATH_LEVELS = 4
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string (with its escapes) or one of the characters that shape the nesting.
# (The string pattern is the unrolled loop: runs of plain characters are matched in one step.)
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.DOTALL)


class Unstorable(ValueError):
    """`field` (a path such as `state.a[2]`, empty for the whole value) cannot be stored; `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field or 'The value'}: {message}")
        self.field = field
        self.message = message


def max_depth() -> int:
    return settings.MAX_JSON_DEPTH


def text_problem(text: str) -> str | None:
    """Why PostgreSQL cannot store this text, or None."""
    if "\x00" in text:
        return f"Text {NUL_OR_SURROGATE}."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return f"Text {NUL_OR_SURROGATE}."
    return None


def check_text(text: str, field: str) -> str:
    """The text, or Unstorable naming `field` (a query parameter, a form field)."""
    if problem := text_problem(text):
        raise Unstorable(field, problem)
    return text


def check_json(value: Any, field: str = "", *, depth: int | None = None) -> Any:
    """The value, or Unstorable naming the first part of it that PostgreSQL's jsonb cannot store, or
    that is nested deeper than the limit. Walked with a stack, not recursion."""
    limit = max_depth() if depth is None else depth
    pending: list[tuple[Any, str, int]] = [(value, field, 0)]
    while pending:
        item, path, level = pending.pop()
        if isinstance(item, str):
            if problem := text_problem(item):
                raise Unstorable(path, problem)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Unstorable(path, "Numbers must be finite.")
        elif isinstance(item, dict | list):
            if level >= limit:
                raise Unstorable(path, f"Nested more than {limit} levels deep.")
            if isinstance(item, dict):
                for key, child in reversed(item.items()):
                    child_path = _key_path(path, key) if level < PATH_LEVELS else path
                    if isinstance(key, str) and (problem := text_problem(key)):
                        raise Unstorable(child_path, f"A key {problem.removeprefix('Text ')}")
                    pending.append((child, child_path, level + 1))
            else:
                for index, child in reversed(list(enumerate(item))):
                    pending.append((child, f"{path}[{index}]" if level < PATH_LEVELS else path, level + 1))
    return value


def storable(value: Any) -> bool:
    try:
        check_json(value)
    except Unstorable:
        return False
    return True


def loads(raw: bytes | str, field: str = "") -> Any:
    """A request body (or a form field) parsed as JSON: ValueError when it is not JSON (or not UTF-8),
    Unstorable when it is nested too deep or holds what PostgreSQL cannot store. The nesting is
    measured on the text first, so no depth reaches the parser's recursion."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise ValueError(f"The body is not UTF-8 text: {error.reason} at byte {error.start}") from None
    limit = max_depth()
    deep = _too_deep(text, limit)
    if deep is not None:
        raise Unstorable(_join(field, deep), f"Nested more than {limit} levels deep.")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:  # only if the setting is above what the parser can take
        raise Unstorable(field, f"Nested more than {limit} levels deep.") from None
    return check_json(value, field)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(text: str, limit: int) -> str | None:
    """The path (`a.b[3]`, "" for the whole body) of the first container opened more than `limit`
    levels deep, or None. A scan of the tokens that shape the nesting: strings are skipped whole, so
    brackets in them do not count, and malformed JSON is left for the parser to describe."""
    if text.count("[") + text.count("{") <= limit:  # most bodies: too few brackets to nest that deep
        return None
    stack: list[list[Any]] = []  # per open container: [is an object, current key or index]
    last_string = ""
    for match in _TOKENS.finditer(text):
        token = match.group()
        head = token[0]
        if head == '"':
            last_string = token
        elif head in "[{":
            if len(stack) >= limit:
                return _stack_path(stack)
            stack.append([head == "{", "" if head == "{" else 0])
        elif head in "]}":
            if stack:
                stack.pop()
        elif head == ":" and stack and stack[-1][0]:
            stack[-1][1] = _decoded_key(last_string)
        elif head == "," and stack and not stack[-1][0]:
            stack[-1][1] += 1
    return None


def _decoded_key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token.strip('"')
    return key if isinstance(key, str) else token


def _stack_path(stack: list[list[Any]]) -> str:
    path = ""
    for is_object, position in stack[:PATH_LEVELS]:
        path = _key_path(path, position) if is_object else f"{path}[{position}]"
    return path


def _key_path(path: str, key: Any) -> str:
    # An unstorable key is named in a form that can itself be shown and stored.
    return _join(path, scrub_text(str(key)))


def _join(path: str, inner: str) -> str:
    if not path or not inner:
        return path or inner
    return f"{path}{inner}" if inner.startswith("[") else f"{path}.{inner}"


def scrub_text(text: str) -> str:
    """The text with NUL characters and unpaired surrogates replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
    return text


def scrub(value: Any) -> Any:
    """A value the platform made (a code node's output, state or tags) made storable: text scrubbed,
    non-finite numbers as None. Nesting is left as it is (the producer bounds it)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {scrub_text(key) if isinstance(key, str) else key: scrub(item) for key, item in value.items()}
    return value


def error_detail(error: Unstorable) -> dict[str, list[str]]:
    """A 400 body in DRF's shape: keyed by the top-level field (`non_field_errors` for the whole
    body), the message naming the exact place when it is deeper (`state.note: ...`)."""
    if not error.field:
        return {"non_field_errors": [error.message]}
    top = re.split(r"[.\[]", error.field, maxsplit=1)[0] or error.field
    return {top: [error.message if top == error.field else f"{error.field}: {error.message}"]}


def form_error(error: Unstorable) -> forms.ValidationError:
    """A form field's error for what `loads` refused inside the field's JSON."""
    return forms.ValidationError(f"At {error.field}: {error.message}" if error.field else error.message)


class JSONFormField(forms.JSONField):
    """Django's form JSONField, parsed by `loads`: deep or unstorable JSON is a field error, not a 500."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str | bytes):
            return super().to_python(value)
        try:
            return loads(value)
        except Unstorable as error:
            raise form_error(error) from None
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def bound_data(self, data, initial):
        # What is shown again after an invalid submission: the text as typed when `loads` refuses it.
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        try:
            return loads(data)
        except ValueError:
            return InvalidJSONInput(data)


def json_body(request: HttpRequest) -> Any:
    """A plain Django view's JSON body (`loads`): ValueError or Unstorable for the view to answer 400."""
    return loads(request.body)


class StorableJSONParser(JSONParser):
    """DRF's default parser (settings.REST_FRAMEWORK): JSON that is not JSON is a ParseError, and
    JSON PostgreSQL cannot store (or nested too deep) is a ValidationError naming the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return loads(raw)
        except Unstorable as error:
            raise ValidationError(error_detail(error)) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler (settings.REST_FRAMEWORK), also answering Unstorable, however deep in a
    view or an action it was raised, with a 400 naming the field."""
    from rest_framework import views  # not at the top: DRF's views import this module (the parser setting)

    if isinstance(error, Unstorable):
        error = ValidationError(error_detail(error))
    return views.exception_handler(error, context)
