"""A pipeline as data: nodes with typed parameters and edges between named handles.

This is the JSON that is stored, versioned, exported and edited by the builder:

    {"schema_version": 1,
     "nodes": [{"id": "n1", "type": "llm", "name": "assistant", "params": {...}, "params_version": 1,
                "position": {"x": 0, "y": 0}}],
     "edges": [{"id": "e1", "source": "n1", "source_handle": "output", "target": "n2",
                "target_handle": "input"}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
INPUT_HANDLE = "input"
OUTPUT_HANDLE = "output"


class GraphFormatError(ValueError):
    """The JSON is not a pipeline graph at all (as opposed to a graph that fails validation)."""


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    params_version: int = 1
    position: dict[str, float] = field(default_factory=lambda: {"x": 0.0, "y": 0.0})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "params": self.params,
            "params_version": self.params_version,
            "position": self.position,
        }


@dataclass
class Edge:
    id: str
    source: str
    target: str
    source_handle: str = OUTPUT_HANDLE
    target_handle: str = INPUT_HANDLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "source_handle": self.source_handle,
            "target": self.target,
            "target_handle": self.target_handle,
        }


@dataclass
class PipelineGraph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PipelineGraph:
        data = data or {}
        if not isinstance(data, dict):
            raise GraphFormatError("A pipeline must be a JSON object with 'nodes' and 'edges'")
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise GraphFormatError(
                f"Unsupported pipeline schema version {version!r} (this server reads {SCHEMA_VERSION})"
            )
        try:
            nodes = [
                Node(
                    id=str(raw["id"]),
                    type=str(raw["type"]),
                    name=str(raw.get("name") or raw["id"]),
                    params=dict(raw.get("params") or {}),
                    params_version=int(raw.get("params_version", 1)),
                    position=dict(raw.get("position") or {"x": 0.0, "y": 0.0}),
                )
                for raw in data.get("nodes", [])
            ]
            edges = [
                Edge(
                    id=str(raw.get("id") or f"{raw['source']}->{raw['target']}"),
                    source=str(raw["source"]),
                    target=str(raw["target"]),
                    source_handle=str(raw.get("source_handle") or OUTPUT_HANDLE),
                    target_handle=str(raw.get("target_handle") or INPUT_HANDLE),
                )
                for raw in data.get("edges", [])
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise GraphFormatError(f"Malformed node or edge: {error}") from error
        return cls(nodes=nodes, edges=edges)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "nodes": [node.to_dict() for node in self.nodes],
            "edges": [edge.to_dict() for edge in self.edges],
        }

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    def nodes_of_type(self, type_name: str) -> list[Node]:
        return [node for node in self.nodes if node.type == type_name]

    def outgoing(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == node_id]

    def incoming(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.target == node_id]
