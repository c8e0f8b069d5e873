"""Run a pipeline on one message with LangGraph.

Each node between Start and End becomes a LangGraph node (Start and End run before and after the
graph, and a plain chain of nodes runs without LangGraph: compiled.py), each wrapped to: compute its
input from the edges taken into it, run with retries, record a trace span, and turn its changes into
a state update. Routers pick edges with conditional edges; a node with several incoming edges is
deferred so it runs once, after every active branch. The run stops at a time limit or when cancelled
(checked between steps), and each node's own calls carry their own timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from apps.pipelines.graph import PipelineGraph
from apps.pipelines.runtime.compiled import NodeEventCallback, RunScope, compiled_pipeline
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.errors import PipelineCancelled, PipelineInvalid, PipelineRunError, RunStopped
from apps.pipelines.runtime.repository import PipelineRepository
from apps.pipelines.runtime.state import PipelineState, apply_update
from apps.service_providers.llm.usage import TokenTally, usage_context
from apps.trace.records import TraceRecord

__all__ = ["PipelineCancelled", "PipelineInvalid", "PipelineRunError", "RunResult", "RunStopped", "run_pipeline"]

DEFAULT_TIME_LIMIT_SECONDS = 120.0


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
    input_tokens: int = 0  # over every model call of the run
    output_tokens: int = 0


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
    compiled = compiled_pipeline(graph, repo)
    trace = TraceRecord(
        input=run.message,
        started_at=timezone.now(),
        pipeline_id=run.pipeline_id,
        chatbot_id=run.chatbot_id,
        session_id=run.session_id,
    )
    scope = RunScope(run=run, repo=repo, trace=trace, on_token=on_token, on_node_event=on_node_event)
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
    config = compiled.config(scope)
    try:
        tally = TokenTally()
        with usage_context(chatbot_id=run.chatbot_id, session_id=run.session_id, source="pipeline", tally=tally):
            state = apply_update(dict(initial), compiled.start(initial, config))
            for values in compiled.steps(state, config):
                state = values
                if cancel is not None and cancel.is_set():
                    raise PipelineCancelled("The run was cancelled")
                if time.monotonic() > deadline:
                    raise PipelineRunError(f"The pipeline took longer than {time_limit:.0f} s and was stopped")
            state = apply_update(state, compiled.end(state, config))
    except RunStopped:
        trace.status = "cancelled"
        trace.error = "Stopped while the reply was being written"
        cancelled = PipelineCancelled(trace.error)
        cancelled.trace_id = _finish(trace, repo)
        raise cancelled from None
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
        input_tokens=tally.input_tokens,
        output_tokens=tally.output_tokens,
    )


def _finish(trace: TraceRecord, repo: PipelineRepository) -> int | None:
    trace.duration_ms = int((timezone.now() - trace.started_at).total_seconds() * 1000)
    return repo.save_trace(trace)
