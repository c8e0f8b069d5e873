"""The bot runtime: the only path from an inbound message to a bot reply, used by every channel.

The human message is stored (committed) before anything that can fail; a delivery retried with the
same message id finds it and returns the reply already made, or, if the first attempt failed, tries
again; while another live process is still producing the reply, it says so instead of making a second
one (claims: apps/conversations/claims.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from langchain_core.messages import BaseMessage

from apps.chat.actions import insert_reply_and_touch
from apps.chat.models import ChatMessage
from apps.chat.selectors import recent_turns
from apps.conversations import claims
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import served_version
from apps.experiments.sessions import participant_data_for
from apps.files.pipeline_input import Transcriber, message_with_attachments
from apps.participants.models import ParticipantData
from apps.pipelines.runtime.context import ParticipantDetails, RunInput
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.runtime.runner import PipelineCancelled, PipelineRunError, RunResult, RunStopped, run_pipeline
from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.llm.roles import langchain_messages
from apps.service_providers.models import VoiceProvider
from apps.service_providers.voice import get_voice_provider_type
from apps.trace.export import schedule_trace_export
from apps.utils import storable

HISTORY_LIMIT = 200  # messages loaded for a run; history modes trim further
ACTIVITY_FIELDS = ["first_activity_at", "last_activity_at", "updated_at"]  # written with every reply


class BotError(Exception):
    """No reply could be made; the message is for the participant's operator, and the inbound
    message is kept so the same message id can be retried."""

    def __init__(self, message: str, *, human_message: ChatMessage | None = None, trace_id: int | None = None):
        super().__init__(message)
        self.human_message = human_message
        self.trace_id = trace_id


class ReplyInProgress(BotError):
    pass


class ConversationEnded(BotError):
    """The session is complete: it takes no more messages (the caller's mistake, not the bot's)."""

    def __init__(self) -> None:
        super().__init__("This conversation has ended")


@dataclass
class BotReply:
    human: ChatMessage
    reply: ChatMessage
    trace_id: int | None
    session_ended: bool
    replayed: bool = False  # the same message id was seen before: this is the earlier reply
    input_tokens: int = 0  # the run's model calls (0 for a replayed reply)
    output_tokens: int = 0


def respond(
    session: ExperimentSession,
    text: str,
    *,
    message_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    on_token: Callable[[str], None] | None = None,
    version: Experiment | None = None,
    hidden: bool = False,
    history: list[BaseMessage] | None = None,
    system_instruction: str = "",
    stop: threading.Event | None = None,
) -> BotReply:
    """Store the participant's message, run the chatbot's pipeline, store and return its reply.

    `history`: the conversation before this message, when the caller holds it already (a session
    it has just started and filled); otherwise it is read from the chat. `system_instruction`: the
    caller's instructions for this run, added to the LLM nodes' prompts. `stop`: set to stop the run
    at its next token (the Stop button); the reply written so far is stored, marked stopped."""
    if session.is_complete:
        raise ConversationEnded()
    # A new message is stored already claimed; a known message id is a retry: replay or re-claim.
    human, created = _store_human_message(session, text, message_id, attachments or [], hidden, claim=True)
    if not created:
        if hasattr(human, "reply"):
            reply = human.reply
            return BotReply(human, reply, reply.metadata.get("trace_id"), session.is_complete, replayed=True)
        if not claims.claim(human.pk):
            raise ReplyInProgress("The reply to this message is still being prepared", human_message=human)
    # The reply does not wait for its trace's inserts: the trace has its id now and is written next.
    repository = OrmRepository(session.team, traces_in_background=True)
    try:
        version = version or served_version(session)
        participant_data = participant_data_for(session)
        transcribe = _transcriber(version, repository)
        run = _run_input(session, version, human, participant_data.data or {}, history, transcribe)
        run.system_instruction = system_instruction
        partial: list[str] = []
        if stop is not None:
            on_token = _stoppable(on_token, stop, partial)
        result = run_pipeline(version.pipeline.graph, run, repository, on_token=on_token)
    except PipelineCancelled as error:
        if stop is None or not stop.is_set():
            claims.unclaim(human.pk)
            raise BotError(str(error), human_message=human, trace_id=error.trace_id) from error
        assert version is not None  # the run started, so the version was found
        try:
            return _store_stopped_reply(session, human, "".join(partial), version, error.trace_id)
        except BaseException:
            claims.unclaim(human.pk)
            raise
    except PipelineRunError as error:
        claims.unclaim(human.pk)
        raise BotError(str(error), human_message=human, trace_id=error.trace_id) from error
    except BaseException:
        claims.unclaim(human.pk)
        raise
    try:
        stored = _store_reply(session, human, run, result, version, participant_data)
    except IntegrityError:
        earlier = _earlier_reply(session, human)
        if earlier is None:
            claims.unclaim(human.pk)
            raise
        return earlier
    except BaseException:
        # Not stored (the database went away, the pool ran dry): a retry must find the message free.
        claims.unclaim(human.pk)
        raise
    schedule_trace_export(version, stored.trace_id)  # to the version's trace provider, after commit
    return stored


def _stoppable(
    on_token: Callable[[str], None] | None, stop: threading.Event, partial: list[str]
) -> Callable[[str], None]:
    """`on_token` that keeps what was written and stops the run when `stop` is set: checked at each
    token, so the model stops writing (and billing) within a token of Stop."""

    def emit(token: str) -> None:
        if stop.is_set():
            raise RunStopped()
        partial.append(token)
        if on_token is not None:
            on_token(token)

    return emit


def _store_stopped_reply(
    session: ExperimentSession, human: ChatMessage, text: str, version: Experiment, trace_id: int | None
) -> BotReply:
    """The reply as far as it was written when Stop was pressed; a message with a reply is answered,
    so a retry of the same message id replays it rather than asking the model again."""
    try:
        with transaction.atomic():  # a savepoint: a caller's transaction survives the conflict below
            reply = ChatMessage.objects.create(
                team_id=session.team_id,
                chat_id=session.chat_id,
                message_type=ChatMessage.Type.AI,
                content=storable.scrub(text.strip()),
                reply_to=human,
                metadata={"trace_id": trace_id, "version": version.version_number, "stopped": True},
            )
    except IntegrityError:
        earlier = _earlier_reply(session, human)
        if earlier is None:
            raise
        return earlier
    session.touch()
    session.save(update_fields=list(ACTIVITY_FIELDS))
    return BotReply(human, reply, trace_id, session.is_complete)


def _earlier_reply(session: ExperimentSession, human: ChatMessage) -> BotReply | None:
    """The reply another process stored for `human` meanwhile (it took this one's claim for dead): one
    reply per message is a unique constraint, so that reply stands, this run's is dropped and the
    earlier one is replayed. None when the conflict was something else."""
    earlier = ChatMessage.objects.filter(reply_to=human).first()
    if earlier is None:
        return None
    return BotReply(human, earlier, earlier.metadata.get("trace_id"), session.is_complete, replayed=True)


def receive_message(
    session: ExperimentSession, text: str, *, message_id: str, attachments: list[dict[str, Any]] | None = None
) -> ChatMessage:
    """Store an inbound message now and answer it later (`respond` with the same message id)."""
    if session.is_complete:
        raise ConversationEnded()
    return _store_human_message(session, text, message_id, attachments or [], False, background=True)[0]


def record_failure(human: ChatMessage, error: BotError) -> None:
    """Remember why a queued message got no reply, for whoever polls for it."""
    metadata = {**human.metadata, "error": str(error), "trace_id": error.trace_id}
    if type(error) is not BotError:  # its subclasses speak to the participant (the conversation ended, …)
        metadata["error_for_participant"] = True
    ChatMessage.objects.filter(pk=human.pk).update(metadata=metadata)


def _store_human_message(
    session: ExperimentSession,
    text: str,
    message_id: str | None,
    attachments: list[dict[str, Any]],
    hidden: bool,
    *,
    claim: bool = False,
    background: bool = False,
) -> tuple[ChatMessage, bool]:
    """(message, created): a message id seen before gives the stored message back."""
    if message_id:
        existing = ChatMessage.objects.filter(chat_id=session.chat_id, external_id=message_id).first()
        if existing is not None:
            return existing, False
    fields = {
        "team_id": session.team_id,
        "chat_id": session.chat_id,
        "message_type": ChatMessage.Type.HUMAN,
        "content": text,
        "attachments": attachments,
        "external_id": message_id or None,
        "metadata": {"hidden": True} if hidden else {},
        "claimed_by": claims.owner_id() if claim else None,
        "processing_started_at": timezone.now() if claim else None,
        "answered_in_background": background,
    }
    if not message_id:  # nothing to collide with: one autocommitted insert
        return ChatMessage.objects.create(**fields), True
    try:
        with transaction.atomic():
            return ChatMessage.objects.create(**fields), True
    except IntegrityError:  # the same message id, stored by a concurrent delivery
        return ChatMessage.objects.get(chat_id=session.chat_id, external_id=message_id), False


def history_messages(turns: Iterable[tuple[str, str]]) -> list[BaseMessage]:
    """(message type, text) pairs, oldest first, as the model's history: the participant's turns
    and the bot's."""
    return langchain_messages(turns)


def _history(session: ExperimentSession, before: ChatMessage) -> list[BaseMessage]:
    return history_messages(reversed(recent_turns(session.chat_id, before.id, HISTORY_LIMIT)))


def _transcriber(version: Experiment, repository: OrmRepository) -> Transcriber | None:
    """Speech to text with the chatbot's voice provider, for voice messages; the database connection
    is given back while the provider listens."""
    provider_id = version.voice_provider_id
    if provider_id is None:
        return None

    def transcribe(audio: bytes, content_type: str) -> str:
        provider = VoiceProvider.objects.filter(team_id=version.team_id, pk=provider_id).first()
        if provider is None:  # deleted since the version was cached, or never the team's
            raise ProviderConfigError("The chatbot's voice provider no longer exists in its team")
        adapter = get_voice_provider_type(provider.type).build(provider.config, name=provider.name)
        repository.release_connection()
        return adapter.transcribe(audio, mime_type=content_type).text

    return transcribe


def _run_input(
    session: ExperimentSession,
    version: Experiment,
    human: ChatMessage,
    participant_data: dict[str, Any],
    history: list[BaseMessage] | None,
    transcribe: Transcriber | None,
) -> RunInput:
    participant = session.participant
    return RunInput(
        message=message_with_attachments(session.team_id, human.content, human.attachments, transcribe=transcribe),
        participant_data=participant_data,
        session_state=dict(session.state or {}),
        history=history[-HISTORY_LIMIT:] if history is not None else _history(session, human),
        attachments=list(human.attachments or []),
        participant=ParticipantDetails(
            identifier=participant.identifier, platform=participant.platform, name=participant.name
        ),
        session_id=session.pk,
        chatbot_id=session.experiment_id,
        pipeline_id=version.pipeline_id,
        source_material=version.source_material.material if version.source_material is not None else "",
    )


@dataclass(frozen=True)
class _RunChanges:
    """What a run changed besides adding its reply."""

    new_tags: set[str]
    participant_data: bool
    session: bool  # state or tags
    ended: bool

    @classmethod
    def of(cls, session: ExperimentSession, run: RunInput, result: RunResult) -> _RunChanges:
        new_tags = set(result.session_tags) - set(session.tags or [])
        return cls(
            new_tags=new_tags,
            participant_data=result.participant_data != run.participant_data,
            session=result.session_state != run.session_state or bool(new_tags),
            ended="end_session" in result.intents,
        )

    @property
    def any(self) -> bool:
        return self.participant_data or self.session or self.ended


def _store_reply(
    session: ExperimentSession,
    human: ChatMessage,
    run: RunInput,
    result: RunResult,
    version: Experiment,
    data: ParticipantData,
) -> BotReply:
    changes = _RunChanges.of(session, run, result)
    reply = ChatMessage(
        team_id=session.team_id,
        chat_id=session.chat_id,
        message_type=ChatMessage.Type.AI,
        # A model or a node may write a NUL: scrubbed (U+FFFD), as the reply must still be stored.
        content=storable.scrub(result.output),
        tags=storable.scrub(result.output_tags),
        reply_to=human,
        metadata={"trace_id": result.trace_id, "version": version.version_number, "routes": result.routes},
    )
    session.touch()
    if not changes.any:
        # Most replies change nothing but the session's activity times: one statement stores both.
        session.updated_at = timezone.now()
        reply = insert_reply_and_touch(reply, session, ACTIVITY_FIELDS)
    else:
        _store_reply_with_changes(session, reply, run, result, data, changes)
    return BotReply(
        human,
        reply,
        result.trace_id,
        changes.ended,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
    )


@transaction.atomic
def _store_reply_with_changes(
    session: ExperimentSession,
    reply: ChatMessage,
    run: RunInput,
    result: RunResult,
    data: ParticipantData,
    changes: _RunChanges,
) -> None:
    reply.save()
    # The human message keeps its claim: a message with a reply is never claimed again (respond).
    # Only what the run changed is written, onto the rows as they are now: an edit made meanwhile
    # (the API's tags and state, a team member editing participant data) is kept.
    if changes.participant_data:
        data_row = ParticipantData.objects.select_for_update().get(pk=data.pk)
        data_row.data = storable.scrub(_apply_changes(data_row.data, run.participant_data, result.participant_data))
        data_row.save(update_fields=["data", "updated_at"])
    changed = list(ACTIVITY_FIELDS)
    if changes.session:
        session_row = ExperimentSession.objects.select_for_update().only("state", "tags").get(pk=session.pk)
        session.state = storable.scrub(_apply_changes(session_row.state, run.session_state, result.session_state))
        session.tags = sorted({*(session_row.tags or []), *storable.scrub(sorted(changes.new_tags))})
        changed += ["state", "tags"]
    if changes.ended:
        session.status = ExperimentSession.Status.COMPLETE
        session.ended_at = timezone.now()
        changed += ["status", "ended_at"]
    session.save(update_fields=changed)


def _apply_changes(current: dict[str, Any] | None, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`current` with the keys the run set or removed (going from `before` to `after`)."""
    merged = {key: value for key, value in (current or {}).items() if key in after or key not in before}
    merged.update({key: value for key, value in after.items() if key not in before or before[key] != value})
    return merged
