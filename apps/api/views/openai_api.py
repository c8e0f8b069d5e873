"""An OpenAI-compatible `chat/completions` endpoint per chatbot, so the official `openai` SDK (with
`base_url=<site>/api/openai/<chatbot_id>` and a team API key) talks to a chatbot unchanged.

Each request is a new session, for the participant named by `user` (else the API key's): the
request's earlier messages become the session's history, its system messages are added to the
chatbot's prompt for this run (and stored), and the last user message is answered. The completion's
id is the session's id, so `GET /api/sessions/<id>/` reads the conversation afterwards.
`stream: true` answers with `chat.completion.chunk` server-sent events, one per token, then
`data: [DONE]`. Images (`image_url` parts holding base64 data URLs: `apps.api.openai_content`) are
stored as files of the conversation and the last message's reach the chatbot's vision model as the
attachments of that message (ADR 0015, 0026); a chatbot whose model does not accept images refuses
them with a 400, "Only text messages are supported", as Open Chat Studio refuses every image.

Errors are in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`), and a request that
fails before its reply is stored (bad input, the model failing) leaves no session behind, nor files."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.api.chatbot_access import (
    PayloadTooLarge,
    bot_error,
    chatbot_for,
    chatbot_version,
    check_message_size,
    start_api_session,
)
from apps.api.openai_content import TEXT_ONLY, MessageContent, read_content
from apps.api.resource_serializers import MESSAGE_TYPES
from apps.api.schema_types import ChatCompletionResponseSerializer
from apps.chat.models import ChatMessage
from apps.conversations.bot import BotError, BotReply, history_messages, respond
from apps.conversations.streaming import reply_stream
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import serving_version
from apps.experiments.sessions import add_messages, discard_session
from apps.files.actions import delete_session_files, store_files
from apps.files.exceptions import FileUploadError
from apps.files.limits import megabytes
from apps.pipelines.selectors import takes_images
from apps.utils import storable
from apps.utils.sse import event_stream_response, sse_event

SYSTEM_ROLES = ("system", "developer")


class OpenAIErrorDetailSerializer(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.CharField(help_text="invalid_request_error, authentication_error or server_error")
    param = serializers.CharField(allow_null=True, help_text="The request field at fault, e.g. messages[0].content")
    code = serializers.CharField(allow_null=True)


class OpenAIErrorSerializer(serializers.Serializer):
    error = OpenAIErrorDetailSerializer()


OPENAI_ERRORS = {
    status: OpenApiResponse(OpenAIErrorSerializer, description=description)
    for status, description in [
        (400, "Bad input (the field is in `param`); nothing is stored"),
        (401, "No valid API key"),
        (404, "Unknown chatbot or version"),
        (413, "The last message is too long, or the request (its images) too large"),
        (429, "Too many requests; retry after `Retry-After` seconds"),
        (502, "The chatbot could not answer; nothing is stored"),
    ]
}


class ChatMessageInSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "developer", "user", "assistant", "tool"])
    content = serializers.JSONField(
        help_text="Text, or a list of parts: text parts (joined with a space) and, in user messages, image_url "
        "parts holding base64 data URLs (PNG, JPEG, GIF, WebP; at most 4 a message, 3.75 MB each) when the "
        "chatbot's model accepts images"
    )


class StreamOptionsSerializer(serializers.Serializer):
    include_usage = serializers.BooleanField(default=False, help_text="End the stream with a chunk giving usage")


class ChatCompletionRequestSerializer(serializers.Serializer):
    model = serializers.CharField(required=False, allow_blank=True)
    messages = ChatMessageInSerializer(many=True, allow_empty=False)
    stream = serializers.BooleanField(default=False)
    stream_options = StreamOptionsSerializer(required=False, allow_null=True)
    user = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=320,
        help_text="The participant's identifier (default: the API key's participant); their data carries over",
    )

    def validate(self, attrs):
        if attrs.get("stream_options") and not attrs.get("stream"):
            raise ValidationError({"stream_options": ["Only allowed when stream is true"]})  # as OpenAI answers
        return attrs


def _too_many_messages(request: Request) -> Response | None:
    """Every message of a request becomes a stored row: refuse more than OPENAI_MAX_MESSAGES before
    reading them, in OpenAI's error shape."""
    messages = request.data.get("messages") if isinstance(request.data, dict) else None
    limit = settings.OPENAI_MAX_MESSAGES
    if not isinstance(messages, list) or len(messages) <= limit:
        return None
    error = {
        "message": f"Too many messages: {len(messages)}; at most {limit} are accepted in one request",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "too_many_messages",
    }
    return Response({"error": error}, status=400)


def _usage(reply: BotReply) -> dict[str, int]:
    """The run's tokens over all its model calls, as OpenAI reports them."""
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }


def openai_exception_handler(error: Exception, context: dict) -> Response | None:
    """The API's error answer, reshaped as OpenAI's SDKs expect it."""
    response = storable.exception_handler(error, context)
    if response is None:
        return None
    param, message, code = _first_error(response.data)
    if isinstance(error, APIException) and not isinstance(error, ValidationError):
        code = error.default_code if code in ("", "invalid") else code
    kind = "server_error" if response.status_code >= 500 else "invalid_request_error"
    if response.status_code in (401, 403):
        kind = "authentication_error"
    response.data = {"error": {"message": message, "type": kind, "param": param, "code": code or None}}
    return response


def _first_error(detail, path: str = "") -> tuple[str | None, str, str]:
    """(field path, message, code) of the first error in DRF's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if value:
                inner = key if key not in ("detail", "non_field_errors") else ""
                joined = f"{path}.{inner}" if path and inner else path or inner
                return _first_error(value, joined)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                nested = isinstance(value, dict | list)
                return _first_error(value, f"{path}[{index}]" if nested else path)
    text = str(detail)
    return path or None, text, str(detail.code or "") if isinstance(detail, ErrorDetail) else ""


class ChatCompletions(APIView):
    def get_exception_handler(self):
        return openai_exception_handler

    @extend_schema(
        summary="OpenAI-compatible chat completion",
        tags=["OpenAI"],
        request=ChatCompletionRequestSerializer,
        responses={200: ChatCompletionResponseSerializer, **OPENAI_ERRORS},
    )
    def post(self, request: Request, experiment_id: str, version: int | None = None):
        try:
            request.data  # noqa: B018 - read here, so a body over the limit is answered in OpenAI's shape
        except RequestDataTooBig:
            limit = megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
            raise PayloadTooLarge(
                f"The request is larger than {limit}, the most accepted: send smaller images"
            ) from None
        if (refused := _too_many_messages(request)) is not None:
            return refused
        serializer = ChatCompletionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contents = [read_content(m["content"], index) for index, m in enumerate(data["messages"])]
        messages = [(m["role"], content.text) for m, content in zip(data["messages"], contents, strict=True)]
        if messages[-1][0] != "user":
            raise ValidationError({"messages": ["The last message must be from the user"]})
        check_message_size(messages[-1][1])
        team = api_caller(request).team
        experiment = chatbot_for(team, experiment_id)
        served = chatbot_version(experiment, version) if version is not None else None
        _check_images(data["messages"], contents, served or serving_version(experiment))
        # System (and developer) messages are the caller's instructions for this run: added to the
        # chatbot's prompt and stored with the conversation, but not part of the model's history.
        system = "\n\n".join(text for role, text in messages[:-1] if role in SYSTEM_ROLES)
        turns = [(MESSAGE_TYPES[role], text) for role, text in messages[:-1] if role in ("user", "assistant")]
        stored = [
            (ChatMessage.Type.SYSTEM if role in SYSTEM_ROLES else MESSAGE_TYPES[role], text, content)
            for (role, text), content in zip(messages[:-1], contents[:-1], strict=True)
            if role in SYSTEM_ROLES or role in MESSAGE_TYPES  # a tool's message is not stored
        ]
        run_options: dict[str, Any] = {
            "version": served,
            "history": history_messages(turns),  # what is stored next: the run need not read it back
            "system_instruction": system,
        }
        model_name = data.get("model") or experiment.name
        identifier = data.get("user") or None
        started = timezone.now()
        session = _new_session(request, experiment, stored, identifier, started)
        if contents[-1].images:
            # The last message's images go to the run as that message's attachments (ADR 0015).
            run_options["attachments"] = _discarding_on_failure(session, started, _store_images, session, contents[-1])
        # The session's id, as Open Chat Studio answers: `GET /api/sessions/<id>/` reads the conversation.
        completion_id = str(session.public_id)
        if data["stream"]:
            include_usage = bool((data.get("stream_options") or {}).get("include_usage"))
            stream = _stream(session, messages[-1][1], run_options, completion_id, model_name, include_usage, started)
            return event_stream_response(stream)
        try:
            reply = respond(session, messages[-1][1], **run_options)
        except BotError as error:
            # A failed request leaves nothing behind. Not one transaction around the run: that would
            # hold a pooled connection while the model answers, which no other channel does (ADR 0011).
            _discard(session, started)
            raise bot_error(error) from error
        except Exception:
            # Any other failure (the database going away mid-run) leaves nothing behind either, when
            # the database lets us clean up; the error itself is answered as it would have been.
            with contextlib.suppress(DatabaseError):
                _discard(session, started)
            raise
        return Response(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model_name,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.reply.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": _usage(reply),
            }
        )


def _check_images(messages: list[dict], contents: list[MessageContent], version: Experiment) -> None:
    """Images come in user messages, to a chatbot whose model takes them, else a 400."""
    for index, (message, content) in enumerate(zip(messages, contents, strict=True)):
        if content.images and message["role"] != "user":
            raise ValidationError({f"messages[{index}].content": ["Images are accepted in user messages only"]})
    if any(content.images for content in contents) and not takes_images(version.pipeline, version.team):
        raise ValidationError({"messages": [TEXT_ONLY]})  # as Open Chat Studio answers every image


def _new_session(
    request: Request,
    experiment,
    turns: list[tuple[str, str, MessageContent]],
    identifier: str | None,
    started: datetime,
) -> ExperimentSession:
    session = start_api_session(request, experiment, identifier=identifier)
    _discarding_on_failure(session, started, _add_turns, session, turns)
    return session


def _add_turns(session: ExperimentSession, turns: list[tuple[str, str, MessageContent]]) -> None:
    """The earlier messages, each with its images as stored files (the model saw them when the
    client first sent them; this request's run sends only the last message's)."""
    rows = add_messages(session=session, messages=[(kind, text) for kind, text, _ in turns])
    for row, (_, _, content) in zip(rows, turns, strict=True):
        if content.images:
            row.attachments = _store_images(session, content)
            row.save(update_fields=["attachments"])


def _store_images(session: ExperimentSession, content: MessageContent) -> list[dict[str, Any]]:
    """The message's images stored as files of the session (team-scoped, private), as attachments."""
    files = [SimpleUploadedFile(image.name, image.data, image.content_type) for image in content.images]
    try:
        stored = store_files(session=session, files=files)
    except FileUploadError as error:  # over the session's quota, say: 413, in OpenAI's shape
        refused = APIException(error.message, code="image_refused")
        refused.status_code = error.status_code
        raise refused from error
    return [file.as_attachment() for file in stored]


def _discarding_on_failure(session: ExperimentSession, started: datetime, work, *args):
    """`work(*args)`, discarding the session (messages, files, new participant) if it fails."""
    try:
        return work(*args)
    except Exception:
        with contextlib.suppress(DatabaseError):
            _discard(session, started)
        raise


async def _stream(
    session,
    text: str,
    run_options: dict[str, Any],
    completion_id: str,
    model: str,
    include_usage: bool,
    started: datetime,
) -> AsyncIterator[str]:
    """The reply's tokens relayed as `chat.completion.chunk` events as the model writes them (an
    async iterator: under ASGI Django would buffer a sync one to the end). When the model fails, the
    session the request made is discarded: a failed request leaves nothing behind."""
    created = int(time.time())

    def chunk(choices: list[dict], **extra) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
        body.update(choices=choices, **extra)
        if include_usage:  # OpenAI's shape: null on every chunk but the last
            body.setdefault("usage", None)
        return sse_event(None, body)

    def delta(content: dict, finish: str | None = None) -> str:
        return chunk([{"index": 0, "delta": content, "finish_reason": finish}])

    yield delta({"role": "assistant", "content": ""})
    reply = None
    async for event in reply_stream(session, text, **run_options):
        if event.kind == "token":
            yield delta({"content": event.text})
        elif event.kind == "done":
            reply = event.reply
        elif event.kind == "error":
            await sync_to_async(_discard)(session, started)
            message = str(event.error) if event.error else "The chatbot could not answer"
            yield sse_event(None, {"error": {"message": message, "type": "bot_error"}})
    yield delta({}, "stop")
    if include_usage and reply is not None:
        yield chunk([], usage=_usage(reply))
    yield sse_event(None, "[DONE]")


@transaction.atomic
def _discard(session: ExperimentSession, started: datetime) -> None:
    """A failed request leaves nothing behind: its session and what it created, its images' bytes too."""
    delete_session_files(session.pk)
    discard_session(session=session, created_since=started)
