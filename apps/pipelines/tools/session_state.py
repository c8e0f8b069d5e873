from __future__ import annotations

import json

from langchain_core.tools import StructuredTool

from apps.pipelines.tools.base import AgentTool, JsonScalar, ToolFailed, number


def _get(context):
    def get_session_state(key: str) -> str:
        """Read a value stored in this conversation's state."""
        value = context.session_state.get(key)
        return "not set" if value is None else json.dumps(value, ensure_ascii=False)

    return StructuredTool.from_function(get_session_state)


def _set(context):
    def set_session_state(key: str, value: JsonScalar) -> str:
        """Store a value in this conversation's state."""
        context.changes.session_state[key] = value
        return f"Stored {key}."

    return StructuredTool.from_function(set_session_state)


def _append(context):
    def append_to_session_state(key: str, value: JsonScalar) -> str:
        """Add a value to a list in this conversation's state."""
        existing = context.session_state.get(key)
        items = [*existing] if isinstance(existing, list) else ([] if existing is None else [existing])
        context.changes.session_state[key] = [*items, value]
        return f"Added to {key}."

    return StructuredTool.from_function(append_to_session_state)


def _increment(context):
    def increment_session_state(key: str, by: int | float = 1) -> str:
        """Add a number to a counter in this conversation's state (it starts at 0)."""
        try:
            value = number(context.session_state.get(key, 0), f"The current value of {key}") + by
        except ToolFailed as error:
            return str(error)
        context.changes.session_state[key] = value
        return f"{key} is now {value}."

    return StructuredTool.from_function(increment_session_state)


GET = AgentTool("get_session_state", "Get session state", "Read a value of this conversation", _get)
SET = AgentTool("set_session_state", "Set session state", "Store a value for this conversation", _set)
APPEND = AgentTool("append_to_session_state", "Append to session state", "Add to a list", _append)
INCREMENT = AgentTool("increment_session_state", "Increment session state", "Count something", _increment)
