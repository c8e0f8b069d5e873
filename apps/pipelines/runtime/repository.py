"""The pipeline runtime's only door to the outside: models, histories, email, traces.

`OrmRepository` (runtime/orm_repository.py) is the real one; `InMemoryRepository` lets engine tests
run with no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from apps.trace.records import TraceRecord

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from apps.service_providers.llm.base import CallOptions


class PipelineRepository(Protocol):
    def cache_scope(self) -> Any:
        """Compiled graphs are shared between runs with the same scope (see runtime.compiled)."""
        ...

    def release_connection(self) -> None:
        """Called before each node runs: nothing needs a held database connection then."""
        ...

    def chat_model(self, provider_id: int, model_id: int, options: CallOptions) -> BaseChatModel: ...

    def llm_choice_exists(self, provider_id: int, model_id: int) -> bool: ...

    def model_token_limit(self, model_id: int) -> int | None: ...

    def model_name(self, model_id: int) -> str:
        """The model's name as its provider knows it ("" when unknown): what its tokens are counted by."""
        ...

    def model_accepts_images(self, model_id: int) -> bool: ...

    def attachment_image(self, file_id: int, max_bytes: int) -> tuple[bytes, str] | None:
        """(bytes, content type) of an image attached to the run's message, if this team's file is an
        image of at most `max_bytes`."""
        ...

    def load_history(self, session_id: int | None, history_name: str) -> list[BaseMessage]: ...

    def save_history(self, session_id: int | None, history_name: str, messages: list[BaseMessage]) -> None: ...

    def queue_email(self, *, recipients: list[str], subject: str, body: str) -> None: ...

    def save_trace(self, trace: TraceRecord) -> int | None: ...


@dataclass
class InMemoryRepository:
    """For engine tests: scripted chat models, histories and sent email kept in memory."""

    chat_model_factory: Any = None  # (provider_id, model_id, options) -> BaseChatModel
    token_limits: dict[int, int] = field(default_factory=dict)
    model_names: dict[int, str] = field(default_factory=dict)
    vision_models: set[int] = field(default_factory=set)  # model ids that accept images
    images: dict[int, tuple[bytes, str]] = field(default_factory=dict)  # file id -> (bytes, content type)
    known_llms: set[tuple[int, int]] | None = None  # None: every provider/model id exists
    histories: dict[tuple[int | None, str], list[Any]] = field(default_factory=dict)
    emails: list[dict[str, Any]] = field(default_factory=list)
    traces: list[TraceRecord] = field(default_factory=list)
    scope: str = field(default_factory=lambda: uuid.uuid4().hex)

    def cache_scope(self) -> str:
        return self.scope  # its own: two in-memory repositories may know different models

    def release_connection(self) -> None:
        pass

    def chat_model(self, provider_id: int, model_id: int, options: CallOptions) -> BaseChatModel:
        if self.chat_model_factory is None:
            from apps.service_providers.testing.fake_llm import FakeChatModel

            return FakeChatModel()
        model: BaseChatModel = self.chat_model_factory(provider_id, model_id, options)
        return model

    def llm_choice_exists(self, provider_id: int, model_id: int) -> bool:
        return self.known_llms is None or (provider_id, model_id) in self.known_llms

    def model_token_limit(self, model_id: int) -> int | None:
        return self.token_limits.get(model_id)

    def model_name(self, model_id: int) -> str:
        return self.model_names.get(model_id, "")

    def model_accepts_images(self, model_id: int) -> bool:
        return model_id in self.vision_models

    def attachment_image(self, file_id: int, max_bytes: int) -> tuple[bytes, str] | None:
        found = self.images.get(file_id)
        return found if found is not None and len(found[0]) <= max_bytes else None

    def load_history(self, session_id: int | None, history_name: str) -> list[BaseMessage]:
        return list(self.histories.get((session_id, history_name), []))

    def save_history(self, session_id: int | None, history_name: str, messages: list[BaseMessage]) -> None:
        self.histories[(session_id, history_name)] = list(messages)

    def queue_email(self, *, recipients: list[str], subject: str, body: str) -> None:
        self.emails.append({"recipients": recipients, "subject": subject, "body": body})

    def save_trace(self, trace: TraceRecord) -> int | None:
        self.traces.append(trace)
        return len(self.traces)
