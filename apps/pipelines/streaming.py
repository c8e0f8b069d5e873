"""The builder's test run as server-sent events (docs/builder-api.md, "Test run events").

`run_pipeline` is synchronous and talks to the database, so it runs on the request's sync thread and
its node events and tokens reach the event loop as they happen (`apps.utils.thread_events`, as the
chat pages' replies do). If the browser goes away, the run is cancelled between steps."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

from apps.pipelines.models import Pipeline
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.runtime.runner import PipelineInvalid, PipelineRunError, RunResult, run_pipeline
from apps.service_providers.llm import roles
from apps.utils.sse import sse_event
from apps.utils.thread_events import events_from_thread

logger = logging.getLogger(__name__)

UNEXPECTED_ERROR = "Something went wrong while running the pipeline. Please try again."


MAX_MESSAGE_LENGTH = 10_000
MAX_HISTORY_MESSAGES = 200


class BadRunRequest(ValueError):
    """The test run's body is not what docs/builder-api.md describes; the message says why."""


@dataclass
class RunRequest:
    """A test run from the builder: a message, the participant data and conversation so far."""

    message: str
    participant_data: dict[str, Any] = field(default_factory=dict)
    history: list[BaseMessage] = field(default_factory=list)

    @classmethod
    def from_json(cls, body: Any) -> RunRequest:
        if not isinstance(body, dict):
            raise BadRunRequest("The body must be a JSON object")
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            raise BadRunRequest("'message' must be a non-empty string")
        if len(message) > MAX_MESSAGE_LENGTH:
            raise BadRunRequest(f"'message' is longer than {MAX_MESSAGE_LENGTH:,} characters")
        participant_data = body.get("participant_data") or {}
        if not isinstance(participant_data, dict):
            raise BadRunRequest("'participant_data' must be a JSON object")
        return cls(message=message, participant_data=participant_data, history=cls._history(body.get("history")))

    @staticmethod
    def _history(history: Any) -> list[BaseMessage]:
        if history is None:
            return []
        if not isinstance(history, list) or len(history) > MAX_HISTORY_MESSAGES:
            raise BadRunRequest(f"'history' must be a list of at most {MAX_HISTORY_MESSAGES} messages")
        messages = []
        for index, item in enumerate(history):
            kind = item.get("role") if isinstance(item, dict) else None
            content = item.get("content") if isinstance(item, dict) else None
            if kind not in roles.TURN_TYPES or not isinstance(content, str):
                raise BadRunRequest(f'history[{index}] must be {{"role": "human" or "ai", "content": text}}')
            messages.append(roles.langchain_message(kind, content))
        return messages


def error_payload(
    message: str, *, node_id: str | None = None, trace_id: int | None = None, trace_url: str | None = None, issues=None
) -> dict[str, Any]:
    return {"message": message, "node_id": node_id, "trace_id": trace_id, "trace_url": trace_url, "issues": issues}


def done_payload(result: RunResult, trace_url: str | None) -> dict[str, Any]:
    return {
        "output": result.output,
        "path": result.path,
        "routes": result.routes,
        "participant_data": result.participant_data,
        "trace_id": result.trace_id,
        "trace_url": trace_url,
    }


TraceUrl = Callable[[int | None], str | None]


def run_events(
    pipeline: Pipeline,
    request: RunRequest,
    emit: Callable[[str], None],
    trace_url: TraceUrl,
    cancel: threading.Event | None = None,
) -> None:
    """Run the pipeline's saved graph and `emit` each event; never raises."""
    run = RunInput(
        request.message, participant_data=request.participant_data, history=request.history, pipeline_id=pipeline.pk
    )
    try:
        result = run_pipeline(
            pipeline.graph,
            run,
            OrmRepository(pipeline.team),
            on_token=lambda text: emit(sse_event("token", {"text": text})),
            on_node_event=lambda kind, data: emit(sse_event(kind, data)),
            cancel=cancel,
        )
    except PipelineInvalid as error:
        issues = [issue.as_dict() for issue in error.issues]
        emit(sse_event("error", error_payload(str(error), trace_id=error.trace_id, issues=issues)))
    except PipelineRunError as error:
        payload = error_payload(
            str(error), node_id=error.node_id, trace_id=error.trace_id, trace_url=trace_url(error.trace_id)
        )
        emit(sse_event("error", payload))
    except Exception:
        logger.exception("Test run of pipeline %s failed", pipeline.pk)
        emit(sse_event("error", error_payload(UNEXPECTED_ERROR)))
    else:
        emit(sse_event("done", done_payload(result, trace_url(result.trace_id))))


def run_event_stream(pipeline: Pipeline, request: RunRequest, trace_url: TraceUrl) -> AsyncIterator[str]:
    """The run's events as they happen; the run is cancelled (between steps) if the browser goes."""
    cancel = threading.Event()
    return events_from_thread(
        lambda emit: run_events(pipeline, request, emit, trace_url, cancel), on_abandon=cancel.set
    )
