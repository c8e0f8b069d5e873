"""A pipeline as a portable JSON document, versioned so old exports keep importing."""

from __future__ import annotations

from typing import Any

from apps.pipelines.graph import SCHEMA_VERSION, GraphFormatError, PipelineGraph
from apps.pipelines.nodes.registry import get_node_type

EXPORT_FORMAT = "chatstudio.pipeline"


def export_pipeline(pipeline) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "name": pipeline.name,
        "description": pipeline.description,
        "pipeline": pipeline.graph.to_dict(),
    }


def graph_from_export(document: dict[str, Any]) -> tuple[PipelineGraph, str, str]:
    """(graph with parameters upgraded to the current node versions, name, description)."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise GraphFormatError(f'Not a pipeline export (expected "format": "{EXPORT_FORMAT}")')
    graph = PipelineGraph.from_dict(document.get("pipeline"))
    for node in graph.nodes:
        node_type = get_node_type(node.type)
        if node_type is not None and node.params_version < node_type.params_version:
            try:
                node.params = node_type.upgrade_params(node.params, node.params_version)
            except ValueError as error:
                raise GraphFormatError(f"Node '{node.name}': {error}") from error
            node.params_version = node_type.params_version
    name = str(document.get("name") or "Imported pipeline")[:200]
    return graph, name, str(document.get("description") or "")
