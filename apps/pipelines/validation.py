"""Pipeline validation, with each message pointing at a node, an edge or a parameter."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from apps.pipelines.graph import PipelineGraph
from apps.pipelines.nodes.base import params_errors
from apps.pipelines.nodes.registry import get_node_type


@dataclass(frozen=True)
class ValidationIssue:
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValidationContext:
    repo: Any  # a PipelineRepository: checks that providers and models exist for the team


def validate_pipeline(graph: PipelineGraph, repo: Any) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    context = ValidationContext(repo=repo)
    ids = [node.id for node in graph.nodes]
    for node_id in {i for i in ids if ids.count(i) > 1}:
        issues.append(ValidationIssue("Two nodes have this id", node_id=node_id))
    names = [node.name for node in graph.nodes]
    for node in graph.nodes:
        if names.count(node.name) > 1:
            issues.append(ValidationIssue(f"Another node is also named '{node.name}'", node_id=node.id, field="name"))

    for type_name, label in (("start", "Start"), ("end", "End")):
        count = len(graph.nodes_of_type(type_name))
        if count != 1:
            issues.append(ValidationIssue(f"A pipeline needs exactly one {label} node (it has {count})"))

    handles: dict[str, tuple[list[str], list[str]] | None] = {}
    for node in graph.nodes:
        node_type = get_node_type(node.type)
        if node_type is None:
            issues.append(ValidationIssue(f"Unknown node type '{node.type}'", node_id=node.id))
            handles[node.id] = None
            continue
        try:
            params = node_type.parse_params(node.params, node.params_version)
        except ValidationError as error:
            issues += [
                ValidationIssue(message, node_id=node.id, field=field) for field, message in params_errors(error)
            ]
            handles[node.id] = None
            continue
        except ValueError as error:
            issues.append(ValidationIssue(str(error), node_id=node.id))
            handles[node.id] = None
            continue
        issues += [
            ValidationIssue(message, node_id=node.id, field=field)
            for field, message in node_type.check(params, context)
        ]
        handles[node.id] = (node_type.input_handles(), node_type.output_handles(params))

    issues += _edge_issues(graph, handles)
    if not issues:
        issues += _shape_issues(graph, handles)
    return issues


def _edge_issues(graph: PipelineGraph, handles) -> list[ValidationIssue]:
    issues = []
    known = set(handles)
    for edge in graph.edges:
        if edge.source not in known or edge.target not in known:
            issues.append(ValidationIssue("This edge connects a node that does not exist", edge_id=edge.id))
            continue
        source_handles, target_handles = handles[edge.source], handles[edge.target]
        if source_handles is not None and edge.source_handle not in source_handles[1]:
            issues.append(ValidationIssue(f"'{edge.source_handle}' is not an output of its node", edge_id=edge.id))
        if target_handles is not None and edge.target_handle not in target_handles[0]:
            issues.append(ValidationIssue(f"'{edge.target_handle}' is not an input of its node", edge_id=edge.id))
        if edge.source == edge.target:
            issues.append(ValidationIssue("A node cannot connect to itself", edge_id=edge.id))
    return issues


def _shape_issues(graph: PipelineGraph, handles) -> list[ValidationIssue]:
    """Reachability, dead ends, unconnected routes and cycles; only on a graph whose parts are valid."""
    issues = []
    start = graph.nodes_of_type("start")[0]
    end = graph.nodes_of_type("end")[0]
    reachable = _reachable(graph, start.id)
    if end.id not in reachable:
        issues.append(ValidationIssue("The End node cannot be reached from the Start node", node_id=end.id))
    for node in graph.nodes:
        if node.id not in reachable:
            issues.append(ValidationIssue("This node cannot be reached from the Start node", node_id=node.id))
            continue
        outputs = handles[node.id][1]
        connected = {edge.source_handle for edge in graph.outgoing(node.id)}
        for handle in outputs:
            if handle not in connected:
                message = (
                    f"Route '{_route_name(node, handle)}' is not connected"
                    if handle.startswith("output_")
                    else "This node's output is not connected"
                )
                issues.append(ValidationIssue(message, node_id=node.id))
    cycle_edge = _edge_closing_a_cycle(graph, start.id)
    if cycle_edge is not None:
        issues.append(ValidationIssue("This edge makes a loop; pipelines run forward only", edge_id=cycle_edge))
    return issues


def _route_name(node, handle: str) -> str:
    keywords = node.params.get("keywords") or []
    index = int(handle.removeprefix("output_"))
    return keywords[index] if index < len(keywords) else handle


def _reachable(graph: PipelineGraph, start_id: str) -> set[str]:
    seen = {start_id}
    queue = deque([start_id])
    while queue:
        for edge in graph.outgoing(queue.popleft()):
            if edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    return seen


def _edge_closing_a_cycle(graph: PipelineGraph, start_id: str) -> str | None:
    state: dict[str, str] = {}

    def visit(node_id: str) -> str | None:
        state[node_id] = "active"
        for edge in graph.outgoing(node_id):
            if state.get(edge.target) == "active":
                return edge.id
            if edge.target not in state and (found := visit(edge.target)):
                return found
        state[node_id] = "done"
        return None

    for node in graph.nodes:
        if node.id not in state and (found := visit(node.id)):
            return found
    return None
