"""A pipeline graph compiled to a LangGraph graph, once per graph content.

Compiling (and validating, which looks up the team's providers) costs more than a short run, and a
published version never changes, so a compiled graph is kept per (repository scope, graph content):
the node actions take everything that belongs to one run (the input, the repository, the trace,
the callbacks) from the run's `RunScope`, passed in LangGraph's config.

LangGraph runs what needs it: branches, routers and joins. Its per-run and per-superstep costs
are about a millisecond, more than a fast node, so:
- Start and End are not LangGraph nodes. Start's action runs before the graph and End's after it
  (End is the only sink, so "after the graph" is "after every branch", as a deferred node would
  be); both still record their spans and node events, through the same action as any node.
- A chain (each node between Start and End has one way in and one way out, and none is a
  router; the simple chatbot is Start → LLM → End) runs its node actions in order, merging each
  update with the state's reducers as LangGraph would. Anything else runs on LangGraph.
Either way each node runs through the same action, so spans, events, retries and state updates
are the same (ADR 0014)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from django.utils import timezone
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from apps.pipelines.graph import Edge, Node, PipelineGraph
from apps.pipelines.nodes.base import NodeError, NodeResult, NodeType
from apps.pipelines.nodes.registry import get_node_type
from apps.pipelines.runtime.context import NodeContext, RunInput
from apps.pipelines.runtime.errors import PipelineInvalid, PipelineRunError
from apps.pipelines.runtime.repository import PipelineRepository
from apps.pipelines.runtime.state import PipelineState, apply_update
from apps.pipelines.validation import validate_pipeline
from apps.service_providers.errors import ProviderError
from apps.trace.records import SpanRecord, TraceRecord

NodeEventCallback = Callable[[str, dict[str, Any]], None]
CACHE_SIZE = 256


@dataclass
class RunScope:
    """What belongs to one run, handed to every node action through LangGraph's config."""

    run: RunInput
    repo: PipelineRepository
    trace: TraceRecord
    on_token: Callable[[str], None] | None = None
    on_node_event: NodeEventCallback | None = None


NodeAction = Callable[..., dict[str, Any]]  # (state, config) -> state update


@dataclass(frozen=True)
class CompiledPipeline:
    graph: PipelineGraph
    start: NodeAction
    end: NodeAction
    chain: tuple[NodeAction, ...] | None  # the nodes between Start and End when they form a chain
    runnable: Any  # otherwise, a langgraph CompiledStateGraph of them

    def config(self, scope: RunScope) -> RunnableConfig:
        return {"recursion_limit": 4 * len(self.graph.nodes) + 10, "configurable": {"scope": scope}}

    def steps(self, state: dict[str, Any], config: RunnableConfig) -> Iterator[dict[str, Any]]:
        """The state after each step between Start and End."""
        if self.chain is None:
            yield from self.runnable.stream(state, stream_mode="values", config=config)
            return
        for action in self.chain:
            state = apply_update(state, action(state, config))
            yield state


# Least recently used out first; the lock because the web process's threads share it.
_cache: LRUCache[tuple[Any, str], CompiledPipeline] = LRUCache(maxsize=CACHE_SIZE)
_cache_lock = threading.Lock()


def compiled_pipeline(graph: PipelineGraph, repo: PipelineRepository) -> CompiledPipeline:
    """The validated, compiled graph (raises PipelineInvalid). Only valid graphs are kept, so a
    fixed graph is checked again on its next run."""
    key = (repo.cache_scope(), _digest(graph))
    with _cache_lock:
        cached = _cache.get(key)  # a read marks the entry as recently used
        if cached is not None:
            return cached
    issues = validate_pipeline(graph, repo)
    if issues:
        raise PipelineInvalid(issues)
    compiled = _compile(graph)
    with _cache_lock:
        _cache[key] = compiled
    return compiled


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _digest(graph: PipelineGraph) -> str:
    return hashlib.blake2b(json.dumps(graph.to_dict(), sort_keys=True).encode(), digest_size=16).hexdigest()


def _compile(graph: PipelineGraph) -> CompiledPipeline:
    start_node = graph.nodes_of_type("start")[0]
    end_node = graph.nodes_of_type("end")[0]
    streams_to_caller = {edge.source for edge in graph.incoming(end_node.id)}
    actions = {
        node.id: _node_action(node, graph, streams_to_caller=node.id in streams_to_caller) for node in graph.nodes
    }
    start, end = actions[start_node.id], actions[end_node.id]
    chain = _chain(graph, start_node.id, end_node.id)
    if chain is not None:
        return CompiledPipeline(graph, start, end, tuple(actions[node_id] for node_id in chain), None)

    def target(node_id: str) -> str:
        return END if node_id == end_node.id else node_id

    builder = StateGraph(PipelineState)
    inner = [node for node in graph.nodes if node.id not in (start_node.id, end_node.id)]
    for node in inner:
        builder.add_node(node.id, actions[node.id], defer=len(graph.incoming(node.id)) > 1)
    for entry in sorted({edge.target for edge in graph.outgoing(start_node.id)} - {end_node.id}):
        builder.add_edge(START, entry)
    for node in inner:
        node_type = get_node_type(node.type)
        edges = graph.outgoing(node.id)
        if node_type is not None and node_type.is_router():
            targets = sorted({target(edge.target) for edge in edges})
            builder.add_conditional_edges(node.id, _router_path(node.id, edges, target), targets)
        else:
            for edge in edges:
                builder.add_edge(node.id, target(edge.target))
    return CompiledPipeline(graph, start, end, None, builder.compile())


def _chain(graph: PipelineGraph, start_id: str, end_id: str) -> list[str] | None:
    """The ids of the nodes between Start and End, in order, if every node lies on one path from
    Start to End with no branch, join or router; otherwise None."""
    chain: list[str] = []
    current = start_id
    while True:
        edges = graph.outgoing(current)
        if len(edges) != 1:
            return None
        current = edges[0].target
        if current == end_id:
            return chain if len(chain) == len(graph.nodes) - 2 else None  # no node off the path
        node_type = get_node_type(graph.node(current).type)
        if len(graph.incoming(current)) != 1 or current in chain or node_type is None or node_type.is_router():
            return None
        chain.append(current)


def _router_path(node_id: str, edges: list[Edge], target: Callable[[str], str]) -> Callable[[PipelineState], list[str]]:
    def choose(state: PipelineState) -> list[str]:
        handle = state.get("routes", {}).get(f"handle:{node_id}")
        return [target(edge.target) for edge in edges if edge.source_handle == handle]

    return choose


def _input_for(node: Node, graph: PipelineGraph, state: PipelineState, run: RunInput) -> str:
    """The outputs of the predecessors that ran and whose edge into this node was taken."""
    outputs = state.get("outputs", {})
    routes = state.get("routes", {})
    parts = []
    for edge in graph.incoming(node.id):
        if edge.source not in outputs:
            continue
        chosen = routes.get(f"handle:{edge.source}")
        if chosen is not None and chosen != edge.source_handle:
            continue
        parts.append(outputs[edge.source])
    return "\n\n".join(parts) if parts else run.message


def _node_action(node: Node, graph: PipelineGraph, *, streams_to_caller: bool) -> NodeAction:
    node_type = get_node_type(node.type)
    assert node_type is not None  # validated before compiling
    params = node_type.parse_params(node.params, node.params_version)

    def action(state: PipelineState, config: RunnableConfig) -> dict[str, Any]:
        if state.get("abort_message") is not None:
            return {}  # an earlier node stopped the run: the rest is skipped
        scope: RunScope = config["configurable"]["scope"]
        context = NodeContext(
            node=node,
            input=_input_for(node, graph, state, scope.run),
            state=dict(state),
            run=scope.run,
            graph=graph,
            repo=scope.repo,
            on_token=scope.on_token if streams_to_caller else None,
        )
        span = SpanRecord(node.id, node.name, node.type, input=context.input, started_at=timezone.now())
        scope.trace.spans.append(span)
        if scope.on_node_event is not None:
            scope.on_node_event(
                "node_start", {"node_id": node.id, "name": node.name, "type": node.type, "input": span.input}
            )
        scope.repo.release_connection()  # nothing held while the node waits on a model
        started = time.perf_counter()
        result: NodeResult | None = None
        try:
            result = _run_with_retries(node_type, params, context)
        except NodeError as error:
            span.error = str(error)
            raise PipelineRunError(f"Node '{node.name}' failed: {error}", node_id=node.id) from error
        except Exception as error:  # noqa: BLE001 - a bug in one node must not lose the trace
            span.error = f"{type(error).__name__}: {error}"
            raise PipelineRunError(f"Node '{node.name}' failed unexpectedly: {error}", node_id=node.id) from error
        finally:
            # Parallel branches run on LangGraph's own threads, where nobody else would ever give
            # the connection back; on the run's thread, the next node or query takes one again.
            scope.repo.release_connection()
            span.duration_ms = int((time.perf_counter() - started) * 1000)
            span.details = {**span.details, **context.details}
            if scope.on_node_event is not None:
                scope.on_node_event("node_end", _node_end_event(node, span, result))
        assert result is not None  # every failure above raised
        span.output = result.output
        return _state_update(node, node_type, result, context)

    return action


def _node_end_event(node: Node, span: SpanRecord, result: NodeResult | None) -> dict[str, Any]:
    return {
        "node_id": node.id,
        "output": result.output if result is not None else None,
        "route": result.route if result is not None else None,
        "duration_ms": span.duration_ms,
        "error": span.error or None,
        "details": span.details,
    }


def _run_with_retries(node_type: NodeType, params: Any, context: NodeContext) -> NodeResult:
    attempt = 1
    while True:
        try:
            return node_type.run(params, context)
        except NodeError as error:
            cause = error.__cause__
            if attempt >= node_type.max_attempts or not (isinstance(cause, ProviderError) and cause.retryable):
                raise
            attempt += 1
            context.details["attempts"] = attempt
            time.sleep(min(0.5 * attempt, 2.0))


def _state_update(node: Node, node_type: NodeType, result: NodeResult, context: NodeContext) -> dict[str, Any]:
    changes = context.changes
    update: dict[str, Any] = {
        "outputs": {node.id: result.output},
        "path": [node.id],
        "temp_state": changes.temp_state,
        "session_state": changes.session_state,
        "output_tags": changes.output_tags,
        "session_tags": changes.session_tags,
        "intents": changes.intents,
    }
    if changes.participant_data is not None:
        update["participant_data"] = changes.participant_data
    if node_type.is_router():
        update["routes"] = {node.name: result.metadata.get("keyword", ""), f"handle:{node.id}": result.route}
    if node.type == "end":
        update["final_output"] = result.output
    if "abort_message" in result.metadata:
        update["abort_message"] = result.metadata["abort_message"]
    return update
