"""Small builders for pipeline graphs in tests."""

from __future__ import annotations

from typing import Any

from apps.pipelines.graph import PipelineGraph

LLM = {"llm_provider_id": 1, "llm_model_id": 1}


def node(node_id: str, node_type: str, name: str | None = None, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "name": name or node_id, "params": params}


def edge(source: str, target: str, handle: str = "output") -> dict[str, Any]:
    return {"id": f"{source}:{handle}->{target}", "source": source, "source_handle": handle, "target": target}


def pipeline(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> PipelineGraph:
    return PipelineGraph.from_dict({"schema_version": 1, "nodes": nodes, "edges": edges})


def linear(*middle: dict[str, Any]) -> PipelineGraph:
    """Start -> each of `middle` in turn -> End."""
    nodes = [node("start", "start"), *middle, node("end", "end")]
    ids = [n["id"] for n in nodes]
    return pipeline(nodes, [edge(a, b) for a, b in zip(ids, ids[1:], strict=False)])
