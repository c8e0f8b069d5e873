"""The database-backed repository: one team's providers, histories, traces and email."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from langchain_core.messages import messages_from_dict, messages_to_dict

from apps.pipelines.models import PipelineChatHistory
from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.teams.config_cache import cached_config
from apps.teams.models import Team
from apps.trace.records import TraceRecord
from apps.trace.writer import write_trace_later, write_trace_now
from apps.utils.db import release_connection

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from apps.service_providers.llm.base import CallOptions

logger = logging.getLogger(__name__)


@dataclass
class OrmRepository:
    """One per run (or per validation): provider and model rows are read once and reused, and come
    from the team's configuration cache while the team's configuration is unchanged.

    With `traces_in_background`, a run's trace gets its id at once and is written moments later by
    the trace writer (apps/trace/writer.py): a chat reply does not wait for its trace's inserts."""

    team: Team
    traces_in_background: bool = False
    _llms: dict[tuple[int, int], tuple[LlmProvider, LlmProviderModel] | None] = field(default_factory=dict, repr=False)
    _models: dict[int, LlmProviderModel | None] = field(default_factory=dict, repr=False)
    # Histories of runs outside a session (test runs) live only as long as this repository.
    _unsaved_histories: dict[str, list[BaseMessage]] = field(default_factory=dict, repr=False)

    def cache_scope(self) -> tuple[str, int]:
        return ("team", self.team.pk)

    def _llm(self, provider_id: int, model_id: int) -> tuple[LlmProvider, LlmProviderModel] | None:
        key = (provider_id, model_id)
        if key not in self._llms:
            self._llms[key] = self._load_llm(provider_id, model_id)
        return self._llms[key]

    def _load_llm(self, provider_id: int, model_id: int) -> tuple[LlmProvider, LlmProviderModel] | None:
        return cached_config(self.team, ("llm", provider_id, model_id), lambda: self._read_llm(provider_id, model_id))

    def _read_llm(self, provider_id: int, model_id: int) -> tuple[LlmProvider, LlmProviderModel] | None:
        provider = LlmProvider.objects.filter(team=self.team, pk=provider_id).first()
        if provider is None:
            return None
        model = self._model(model_id)
        return None if model is None or model.type != provider.type else (provider, model)

    def _model(self, model_id: int) -> LlmProviderModel | None:
        if model_id not in self._models:
            self._models[model_id] = cached_config(
                self.team,
                ("llm-model", model_id),
                lambda: LlmProviderModel.objects.available_to(self.team).filter(pk=model_id).first(),
            )
        return self._models[model_id]

    def release_connection(self) -> None:
        """Give this thread's database connection back to the pool, before and after each node: a
        conversation waiting on a model holds none, and a parallel branch's thread (LangGraph's
        own) leaves none behind."""
        release_connection()

    def chat_model(self, provider_id: int, model_id: int, options: CallOptions) -> BaseChatModel:
        found = self._llm(provider_id, model_id)
        if found is None:
            raise ProviderConfigError("The node's provider or model no longer exists in this team")
        provider, model = found
        return get_chat_model(provider, model, options)

    def llm_choice_exists(self, provider_id: int, model_id: int) -> bool:
        return self._llm(provider_id, model_id) is not None

    def model_token_limit(self, model_id: int) -> int | None:
        model = self._model(model_id)
        return model.max_token_limit if model is not None else None

    def model_name(self, model_id: int) -> str:
        model = self._model(model_id)
        return model.name if model is not None else ""

    def model_accepts_images(self, model_id: int) -> bool:
        model = self._model(model_id)
        return model is not None and model.supports_vision

    def attachment_image(self, file_id: int, max_bytes: int) -> tuple[bytes, str] | None:
        from apps.files.content_types import is_image
        from apps.files.models import File

        file = File.objects.filter(team=self.team, pk=file_id).first()
        if file is None or not is_image(file.content_type) or file.size > max_bytes:
            return None
        try:
            with file.file.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError:
            logger.warning("Could not read image file %s", file.pk, exc_info=True)
            return None  # named in the message's text, not sent
        return (data, file.content_type) if len(data) <= max_bytes else None

    def load_history(self, session_id: int | None, history_name: str) -> list[BaseMessage]:
        if session_id is None:  # a test run: nothing to share with other runs
            return list(self._unsaved_histories.get(history_name, []))
        row = PipelineChatHistory.objects.filter(team=self.team, session_id=session_id, name=history_name).first()
        return messages_from_dict(row.messages) if row else []

    def save_history(self, session_id: int | None, history_name: str, messages: list[BaseMessage]) -> None:
        if session_id is None:
            self._unsaved_histories[history_name] = list(messages)
            return
        PipelineChatHistory.objects.update_or_create(
            team=self.team,
            session_id=session_id,
            name=history_name,
            defaults={"messages": messages_to_dict(messages)},
        )

    def queue_email(self, *, recipients: list[str], subject: str, body: str) -> None:
        from apps.pipelines.tasks import send_pipeline_email

        transaction.on_commit(lambda: send_pipeline_email.delay(recipients=recipients, subject=subject, body=body))

    def save_trace(self, trace: TraceRecord) -> int | None:
        write = write_trace_later if self.traces_in_background else write_trace_now
        return write(self.team.pk, trace)
