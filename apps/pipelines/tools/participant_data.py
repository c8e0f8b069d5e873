from __future__ import annotations

from langchain_core.tools import StructuredTool

from apps.pipelines.tools.base import AgentTool, JsonScalar, ToolFailed, number


def _update(context):
    def update_participant_data(key: str, value: JsonScalar) -> str:
        """Remember a fact about the participant under a key, replacing any earlier value."""
        data = context.participant_data
        data[key] = value
        context.set_participant_data(data)
        return f"Saved {key}."

    return StructuredTool.from_function(update_participant_data)


def _append(context):
    def append_to_participant_data(key: str, value: JsonScalar) -> str:
        """Add a value to a list kept about the participant under a key."""
        data = context.participant_data
        existing = data.get(key)
        data[key] = (
            [*existing, value] if isinstance(existing, list) else ([value] if existing is None else [existing, value])
        )
        context.set_participant_data(data)
        return f"Added to {key}."

    return StructuredTool.from_function(append_to_participant_data)


def _increment(context):
    def increment_participant_data(key: str, by: int | float = 1) -> str:
        """Add a number to a counter kept about the participant (it starts at 0)."""
        data = context.participant_data
        try:
            data[key] = number(data.get(key, 0), f"The current value of {key}") + by
        except ToolFailed as error:
            return str(error)
        context.set_participant_data(data)
        return f"{key} is now {data[key]}."

    return StructuredTool.from_function(increment_participant_data)


UPDATE = AgentTool("update_participant_data", "Update participant data", "Save a fact about the participant", _update)
APPEND = AgentTool("append_to_participant_data", "Append to participant data", "Add to a list", _append)
INCREMENT = AgentTool("increment_participant_data", "Increment participant data", "Count something", _increment)
