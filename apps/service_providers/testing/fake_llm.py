"""A fake chat model for the code base's tests, installed at the one seam (llm.service).

Scripted replies are played in order: a string, an AIMessage (e.g. with tool calls), a dict (a
structured-output answer), an exception (to raise), ECHO (repeat the last human message), or a
function of the call's messages that returns one of those (a model that tells what it was sent). When the
script runs out, the model echoes. Replies stream word by word; usage metadata counts words, so cost
and token accounting can be tested too. Every call's messages are kept in `calls`."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.models import LlmProvider

ECHO = object()


def _count(text: str) -> int:
    return len(text.split())


class FakeChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[Any] = Field(default_factory=list)
    model_name: str = "fake-model"
    delay: float = 0.0  # seconds before each reply (a slow provider, for load benchmarks)
    # Benchmarks of streaming: a streamed reply is this many tokens, each the wall-clock time it was
    # sent (" 1764081234.123456"), `token_interval` seconds apart, so a client can measure each
    # token's delay.
    stamped_tokens: int = 0
    token_interval: float = 0.01
    word_delay: float = 0.0  # seconds between streamed words (a model still writing, to stop mid-reply)
    lock: Any = Field(default_factory=threading.Lock, exclude=True)
    record_calls: bool = True  # off for the benchmarks' long-lived fake

    @property
    def _llm_type(self) -> str:
        return "fake-chat-model"

    def _next_reply(self, messages: list[BaseMessage]) -> Any:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if self.record_calls:
                self.calls.append(list(messages))
            reply = self.script.pop(0) if self.script else ECHO
        if callable(reply):
            reply = reply(messages)
        if isinstance(reply, BaseException):
            raise reply
        if reply is ECHO:
            last_human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
            return last_human.text if last_human else ""
        return reply

    def _as_message(self, reply: Any, messages: list[BaseMessage]) -> AIMessage:
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=str(reply))
        prompt_tokens = sum(_count(m.text) for m in messages)
        output_tokens = _count(message.text)
        message.usage_metadata = {
            "input_tokens": prompt_tokens,
            "output_tokens": output_tokens,
            "total_tokens": prompt_tokens + output_tokens,
        }
        message.response_metadata = {**message.response_metadata, "model_name": self.model_name}
        return message

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._as_message(self._next_reply(messages), messages)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._as_message(self._next_reply(messages), messages)
        if self.stamped_tokens:
            yield from self._stamped_stream(run_manager)
            return
        words = message.text.split(" ") if message.text else []
        for index, word in enumerate(words):
            if index and self.word_delay:
                time.sleep(self.word_delay)
            token = word if index == 0 else " " + word
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                tool_calls=message.tool_calls,
                usage_metadata=message.usage_metadata,
                response_metadata=message.response_metadata,
                chunk_position="last",
            )
        )

    def _stamped_stream(self, run_manager: CallbackManagerForLLMRun | None) -> Iterator[ChatGenerationChunk]:
        for index in range(self.stamped_tokens):
            if index:
                time.sleep(self.token_interval)
            token = f" {time.time():.6f}"
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> FakeChatModel:
        self.bound_tools[:] = list(tools)  # in place: copies made by use_fake_llm share the list
        return self

    def with_structured_output(self, schema: Any, **kwargs: Any) -> RunnableLambda[Any, Any]:
        """The next scripted reply (a dict, or JSON text) validated against `schema` when it is a model."""

        def answer(prompt: Any) -> Any:
            messages = prompt.to_messages() if hasattr(prompt, "to_messages") else prompt
            if isinstance(messages, str):
                messages = [HumanMessage(messages)]
            reply = self._next_reply(list(messages))
            if isinstance(reply, str):
                import json

                reply = json.loads(reply)
            if isinstance(schema, type) and issubclass(schema, BaseModel):
                return schema.model_validate(reply)
            return reply

        return RunnableLambda(answer)


@contextlib.contextmanager
def use_fake_llm(*script: Any) -> Iterator[FakeChatModel]:
    """Every chat model the code asks for (llm.service.get_chat_model) is a view of this fake while
    inside: the copies share its script and its record of calls."""
    from apps.service_providers.llm import service

    fake = FakeChatModel(script=list(script))
    previous = service._chat_model_override

    def build(provider: LlmProvider, model_name: str, options: CallOptions) -> FakeChatModel:
        # A shallow copy: own callbacks and name, shared script, calls and lock.
        return fake.model_copy(update={"model_name": model_name, "callbacks": None})

    service._chat_model_override = build
    try:
        yield fake
    finally:
        service._chat_model_override = previous


def install_global_fake_llm(delay: float = 0.0, stamped_tokens: int = 0) -> None:
    """Benchmarks: every chat model in this process becomes an echoing fake (settings.FAKE_LLM)."""
    from apps.service_providers.llm import service

    fake = FakeChatModel(delay=delay, stamped_tokens=stamped_tokens, record_calls=False)
    service._chat_model_override = lambda provider, model_name, options: fake.model_copy(
        update={"model_name": model_name, "callbacks": None}
    )
