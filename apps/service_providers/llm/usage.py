"""Record every model call: tokens, latency, cost. A LangChain callback attached to each chat model
we build, so no caller can forget it. The bot runtime says which chatbot and session a call is for
with `usage_context`."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

from apps.service_providers.llm.usage_writer import usage_writer

logger = logging.getLogger(__name__)
_MAX_OPEN_CALLS = 10_000


class TokenTally:
    """Tokens of every model call made under one usage context (a pipeline run), for callers that
    report them (the OpenAI-compatible API). Calls may end on other threads (parallel branches)."""

    def __init__(self) -> None:
        self.input_tokens = 0
        self.output_tokens = 0
        self._lock = threading.Lock()

    def add(self, input_tokens: int, output_tokens: int) -> None:
        with self._lock:
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens


@dataclass(frozen=True)
class UsageContext:
    chatbot_id: int | None = None
    session_id: int | None = None
    source: str = ""
    tally: TokenTally | None = None


_current_usage_context: contextvars.ContextVar[UsageContext | None] = contextvars.ContextVar(
    "usage_context", default=None
)


def current_usage_context() -> UsageContext:
    return _current_usage_context.get() or UsageContext()


@contextlib.contextmanager
def usage_context(**fields: Any) -> Iterator[UsageContext]:
    """Label model calls made inside with a chatbot, session and source."""
    context = replace(current_usage_context(), **fields)
    token = _current_usage_context.set(context)
    try:
        yield context
    finally:
        _current_usage_context.reset(token)


def _usage_from(response: LLMResult) -> tuple[int, int]:
    input_tokens = output_tokens = 0
    for generations in response.generations:
        for generation in generations:
            message = getattr(generation, "message", None)
            usage = getattr(message, "usage_metadata", None) or {}
            input_tokens += usage.get("input_tokens", 0)
            output_tokens += usage.get("output_tokens", 0)
    if not (input_tokens or output_tokens) and response.llm_output:
        token_usage = response.llm_output.get("token_usage") or response.llm_output.get("usage") or {}
        input_tokens = token_usage.get("prompt_tokens", token_usage.get("input_tokens", 0)) or 0
        output_tokens = token_usage.get("completion_tokens", token_usage.get("output_tokens", 0)) or 0
    return input_tokens, output_tokens


def cost_of(prices: tuple[Decimal, Decimal] | None, input_tokens: int, output_tokens: int) -> Decimal | None:
    """USD for the tokens at (input, output) prices per million tokens; None when a price is unknown."""
    if prices is None:
        return None
    total = input_tokens * prices[0] + output_tokens * prices[1]
    return (total / Decimal(1_000_000)).quantize(Decimal("0.0000000001"))


class UsageRecorder(BaseCallbackHandler):
    """Records one LlmUsage row per model call (success or failure), written off the call path."""

    raise_error = False

    def __init__(
        self,
        *,
        team_id: int,
        provider_id: int | None,
        provider_model_id: int | None,
        model_name: str,
        prices: tuple[Decimal, Decimal] | None = None,
    ):
        self.team_id = team_id
        self.provider_id = provider_id
        self.provider_model_id = provider_model_id
        self.model_name = model_name
        self.prices = prices
        self._started: dict[UUID, float] = {}
        # Captured when the call starts: callbacks may run in another thread, without our contextvars.
        self._contexts: dict[UUID, UsageContext] = {}

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        # A chat model (and so this recorder) lives as long as the process's model cache: a call
        # that never reports its end must not leave its entries behind for good.
        if len(self._started) >= _MAX_OPEN_CALLS:
            try:
                oldest = next(iter(self._started))
            except (RuntimeError, StopIteration):  # changed by another thread's call meanwhile
                oldest = None
            self._started.pop(oldest, None)  # type: ignore[arg-type]
            self._contexts.pop(oldest, None)  # type: ignore[arg-type]
        self._started[run_id] = time.perf_counter()
        self._contexts[run_id] = current_usage_context()

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any) -> None:
        self.on_chat_model_start(serialized, prompts, run_id=run_id)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._record(run_id, *_usage_from(response))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._record(run_id, 0, 0, error=str(error)[:2000] or type(error).__name__)

    def _record(self, run_id: UUID, input_tokens: int, output_tokens: int, error: str = "") -> None:
        started = self._started.pop(run_id, None)
        context = self._contexts.pop(run_id, UsageContext())
        if context.tally is not None:
            context.tally.add(input_tokens, output_tokens)
        try:
            usage_writer.submit(
                {
                    "team_id": self.team_id,
                    "provider_id": self.provider_id,
                    "provider_model_id": self.provider_model_id,
                    "model_name": self.model_name,
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "latency_ms": int((time.perf_counter() - started) * 1000) if started is not None else 0,
                    "cost": cost_of(self.prices, input_tokens, output_tokens),
                    "chatbot_id": context.chatbot_id,
                    "session_id": context.session_id,
                    "source": context.source,
                    "error": error,
                }
            )
        except Exception:  # noqa: BLE001 - accounting must never break a conversation
            logger.exception("Could not record LLM usage for team %s", self.team_id)
