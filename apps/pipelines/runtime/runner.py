"""Run a pipeline on one message with LangGraph.

Each node becomes a LangGraph node wrapped to: compute its input from the edges taken into it, run
with retries, record a trace span, and turn its changes into a state update. Routers pick edges with
conditional edges; a node with several incoming edges is deferred so it runs once, after every
active branch. The run stops at a time limit or when cancelled (checked between steps), and each
node's own calls carry their own timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from langgraph.graph import END, START, StateGraph

from apps.pipelines.graph import PipelineGraph
from apps.pipelines.nodes.base import NodeError, NodeResult
from apps.pipelines.nodes.registry import get_node_type
from apps.pipelines.runtime.context import NodeContext, RunInput
from apps.pipelines.runtime.repository import PipelineRepository, SpanRecord, TraceRecord
from apps.pipelines.runtime.state import PipelineState
from apps.pipelines.validation import validate_pipeline
from apps.service_providers.errors import ProviderError
from apps.service_providers.llm.usage import usage_context

DEFAULT_TIME_LIMIT_SECONDS = 120.0

NodeEventCallback = Callable[[str, dict[str, Any]], None]


class PipelineRunError(Exception):
    """The run failed; the message is for the user and names the node when one failed."""

    def __init__(self, message: str, *, node_id: str | None = None, trace_id: int | None = None):
        super().__init__(message)
        self.node_id = node_id
        self.trace_id = trace_id


class PipelineInvalid(PipelineRunError):
    def __init__(self, issues):
        self.issues = issues
        super().__init__("The pipeline is not valid: " + "; ".join(issue.message for issue in issues[:5]))


class PipelineCancelled(PipelineRunError):
    pass


@dataclass
class RunResult:
    output: str
    participant_data: dict[str, Any]
    session_state: dict[str, Any]
    temp_state: dict[str, Any]
    output_tags: list[str] = field(default_factory=list)
    session_tags: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)
    trace_id: int | None = None


def run_pipeline(
    graph: PipelineGraph | dict[str, Any],
    run: RunInput,
    repo: PipelineRepository,
    *,
    on_token: Callable[[str], None] | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS,
    cancel: threading.Event | None = None,
    on_node_event: NodeEventCallback | None = None,
) -> RunResult:
    """`on_node_event(kind, data)` is told when each node starts ("node_start": node_id, name, type,
    input) and ends ("node_end": node_id, output, route, duration_ms, error): the builder's test panel
    shows the path as it happens."""
    graph = graph if isinstance(graph, PipelineGraph) else PipelineGraph.from_dict(graph)
    issues = validate_pipeline(graph, repo)
    if issues:
        raise PipelineInvalid(issues)
    trace = TraceRecord(
        input=run.message,
        started_at=timezone.now(),
        pipeline_id=run.pipeline_id,
        chatbot_id=run.chatbot_id,
        session_id=run.session_id,
    )
    compiled = _compile(graph, run, repo, trace, on_token, on_node_event)
    initial: PipelineState = {
        "input": run.message,
        "outputs": {},
        "routes": {},
        "temp_state": {},
        "session_state": dict(run.session_state),
        "participant_data": dict(run.participant_data),
        "attachments": list(run.attachments),
    }
    deadline = time.monotonic() + time_limit
    state: dict[str, Any] = dict(initial)
    try:
        with usage_context(chatbot_id=run.chatbot_id, session_id=run.session_id, source="pipeline"):
            for values in compiled.stream(
                initial, stream_mode="values", config={"recursion_limit": 4 * len(graph.nodes) + 10}
            ):
                state = values
                if cancel is not None and cancel.is_set():
                    raise PipelineCancelled("The run was cancelled")
                if time.monotonic() > deadline:
                    raise PipelineRunError(f"The pipeline took longer than {time_limit:.0f} s and was stopped")
    except PipelineRunError as error:
        trace.status = "cancelled" if isinstance(error, PipelineCancelled) else "error"
        trace.error = str(error)
        error.trace_id = _finish(trace, repo)
        raise
    output = state.get("abort_message") or state.get("final_output") or ""
    trace.output = output
    trace.status = "success"
    trace_id = _finish(trace, repo)
    return RunResult(
        output=output,
        participant_data=state.get("participant_data") or {},
        session_state=state.get("session_state") or {},
        temp_state=state.get("temp_state") or {},
        output_tags=state.get("output_tags") or [],
        session_tags=state.get("session_tags") or [],
        intents=state.get("intents") or [],
        path=state.get("path") or [],
        routes={name: route for name, route in (state.get("routes") or {}).items() if not name.startswith("handle:")},
        trace_id=trace_id,
    )


def _finish(trace: TraceRecord, repo: PipelineRepository) -> int | None:
    trace.duration_ms = int((timezone.now() - trace.started_at).total_seconds() * 1000)
    return repo.save_trace(trace)


def _compile(
    graph: PipelineGraph, run: RunInput, repo: PipelineRepository, trace: TraceRecord, on_token, on_node_event=None
):
    builder = StateGraph(PipelineState)
    end_node = graph.nodes_of_type("end")[0]
    streams_to_caller = {edge.source for edge in graph.incoming(end_node.id)}
    for node in graph.nodes:
        action = _node_action(
            node, graph, run, repo, trace, on_token if node.id in streams_to_caller else None, on_node_event
        )
        builder.add_node(node.id, action, defer=len(graph.incoming(node.id)) > 1)
    builder.add_edge(START, graph.nodes_of_type("start")[0].id)
    builder.add_edge(end_node.id, END)
    for node in graph.nodes:
        node_type = get_node_type(node.type)
        edges = graph.outgoing(node.id)
        if node_type is not None and node_type.is_router():
            targets = sorted({edge.target for edge in edges})
            builder.add_conditional_edges(node.id, _router_path(node.id, edges), targets)
        else:
            for edge in edges:
                builder.add_edge(node.id, edge.target)
    return builder.compile()


def _router_path(node_id: str, edges):
    def choose(state: PipelineState) -> list[str]:
        handle = state.get("routes", {}).get(f"handle:{node_id}")
        return [edge.target for edge in edges if edge.source_handle == handle]

    return choose


def _input_for(node, graph: PipelineGraph, state: PipelineState, run: RunInput) -> str:
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


def _node_action(node, graph, run, repo, trace, on_token, on_node_event=None):
    node_type = get_node_type(node.type)
    assert node_type is not None  # validated before compiling
    params = node_type.parse_params(node.params, node.params_version)

    def action(state: PipelineState) -> dict[str, Any]:
        if state.get("abort_message") is not None:
            return {}  # an earlier node stopped the run: the rest is skipped
        context = NodeContext(
            node=node,
            input=_input_for(node, graph, state, run),
            state=dict(state),
            run=run,
            graph=graph,
            repo=repo,
            on_token=on_token,
        )
        span = SpanRecord(node.id, node.name, node.type, input=context.input, started_at=timezone.now())
        trace.spans.append(span)
        if on_node_event is not None:
            on_node_event("node_start", {"node_id": node.id, "name": node.name, "type": node.type, "input": span.input})
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
            span.duration_ms = int((time.perf_counter() - started) * 1000)
            span.details = {**span.details, **context.details}
            if on_node_event is not None:
                on_node_event("node_end", _node_end_event(node, span, result))
        assert result is not None  # every failure above raised
        span.output = result.output
        return _state_update(node, node_type, result, context)

    return action


def _node_end_event(node, span: SpanRecord, result: NodeResult | None) -> dict[str, Any]:
    return {
        "node_id": node.id,
        "output": result.output if result is not None else None,
        "route": result.route if result is not None else None,
        "duration_ms": span.duration_ms,
        "error": span.error or None,
        "details": span.details,
    }


def _run_with_retries(node_type, params, context: NodeContext) -> NodeResult:
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


def _state_update(node, node_type, result: NodeResult, context: NodeContext) -> dict[str, Any]:
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
