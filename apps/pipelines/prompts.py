"""Prompt variables: `{participant_data}`, `{source_material}`, … in LLM node prompts.

Only known variables are substituted; `{{` and `}}` stand for literal braces. Unknown variables are a
validation error when the pipeline is saved, so a typo never reaches a participant."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

VARIABLE = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")

# name -> how to compute it from a NodeContext
PROMPT_VARIABLES: dict[str, Callable[[Any], str]] = {
    "participant_data": lambda context: _json(context.participant_data),
    "source_material": lambda context: context.run.source_material,
    "current_datetime": lambda context: datetime.now(UTC).strftime("%A %d %B %Y %H:%M UTC"),
    "temp_state": lambda context: _json(context.temp_state),
    "session_state": lambda context: _json(context.session_state),
    "participant_details": lambda context: _json(context.run.participant.as_dict()),
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def variables_in(prompt: str) -> list[str]:
    return VARIABLE.findall(prompt or "")


def unknown_variables(prompt: str) -> list[str]:
    return sorted({name for name in variables_in(prompt) if name not in PROMPT_VARIABLES})


def render_prompt(prompt: str, context: Any) -> str:
    def substitute(match: re.Match[str]) -> str:
        compute = PROMPT_VARIABLES.get(match.group(1))
        return compute(context) if compute else match.group(0)

    return VARIABLE.sub(substitute, prompt or "").replace("{{", "{").replace("}}", "}")
