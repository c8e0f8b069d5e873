"""What a node sees while it runs, and the changes it asks for."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from apps.pipelines.graph import Node, PipelineGraph
    from apps.pipelines.runtime.repository import PipelineRepository


@dataclass
class ParticipantDetails:
    identifier: str = ""
    platform: str = ""
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"identifier": self.identifier, "platform": self.platform, "name": self.name}


@dataclass
class RunInput:
    """One run of a pipeline on one message."""

    message: str
    participant_data: dict[str, Any] = field(default_factory=dict)
    session_state: dict[str, Any] = field(default_factory=dict)
    history: list[BaseMessage] = field(default_factory=list)  # the session's conversation so far
    attachments: list[dict[str, Any]] = field(default_factory=list)
    participant: ParticipantDetails = field(default_factory=ParticipantDetails)
    session_id: int | None = None
    chatbot_id: int | None = None
    pipeline_id: int | None = None
    source_material: str = ""
    # The caller's own instructions for this run (an OpenAI client's system messages), added to the
    # LLM nodes' prompts after the chatbot's.
    system_instruction: str = ""


@dataclass
class StateChanges:
    """What one node changes; turned into a LangGraph state update when it finishes."""

    temp_state: dict[str, Any] = field(default_factory=dict)
    session_state: dict[str, Any] = field(default_factory=dict)
    participant_data: dict[str, Any] | None = None  # the whole new value, when changed
    output_tags: list[str] = field(default_factory=list)
    session_tags: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)


@dataclass
class NodeContext:
    node: Node
    input: str
    state: dict[str, Any]
    run: RunInput
    graph: PipelineGraph
    repo: PipelineRepository
    on_token: Callable[[str], None] | None = None
    changes: StateChanges = field(default_factory=StateChanges)
    details: dict[str, Any] = field(default_factory=dict)  # recorded on the node's trace span

    # Current values, including what this node has changed so far.
    @property
    def temp_state(self) -> dict[str, Any]:
        return {**self.state.get("temp_state", {}), **self.changes.temp_state}

    @property
    def session_state(self) -> dict[str, Any]:
        return {**self.state.get("session_state", {}), **self.changes.session_state}

    @property
    def participant_data(self) -> dict[str, Any]:
        if self.changes.participant_data is not None:
            return self.changes.participant_data
        return copy.deepcopy(self.state.get("participant_data") or {})

    def set_participant_data(self, data: dict[str, Any]) -> None:
        self.changes.participant_data = data

    def node_output(self, node_name: str) -> str | None:
        node = next((n for n in self.graph.nodes if n.name == node_name), None)
        return None if node is None else self.state.get("outputs", {}).get(node.id)

    def selected_route(self, router_name: str) -> str | None:
        route: str | None = self.state.get("routes", {}).get(router_name)
        return route
