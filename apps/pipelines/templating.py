"""Jinja2 in its sandbox for user-written templates (Render Template, Send Email): no attribute
access to internals, no file or module access, bounded output."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT_CHARS = 100_000

# Missing values render empty: a participant without some data must not break the conversation.
_environment = ImmutableSandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)


class TemplateProblem(ValueError):
    pass


def template_syntax_error(source: str) -> str | None:
    try:
        _environment.parse(source)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        return f"Line {line}: {error.message}" if line else str(error)
    return None


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Compiling costs more than rendering, and a node's template is the same on every run.
    return _environment.from_string(source)


def render(source: str, variables: dict[str, Any]) -> str:
    try:
        text = _compiled(source).render(**variables)
    except TemplateError as error:
        raise TemplateProblem(f"Template error: {error}") from error
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateProblem(f"The template produced more than {MAX_OUTPUT_CHARS} characters")
    return text


def template_variables(context) -> dict[str, Any]:
    outputs = {node.name: context.state.get("outputs", {}).get(node.id) for node in context.graph.nodes}
    return {
        "input": context.input,
        "node_outputs": outputs,
        "temp_state": context.temp_state,
        "session_state": context.session_state,
        "participant_data": context.participant_data,
        "participant_details": context.run.participant.as_dict(),
    }
