"""Agent tools an LLM node can enable. Each tool is built per run, bound to the node's context, so
its effects land in the run's state changes like any node's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool

JsonScalar = str | int | float | bool


@dataclass(frozen=True)
class AgentTool:
    name: str
    label: str
    description: str
    build: Callable[[Any], BaseTool]  # NodeContext -> a LangChain tool


class ToolFailed(Exception):
    """The tool could not do what was asked; the message goes back to the model."""


def number(value: Any, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolFailed(f"{what} is not a number")
    return value
