"""An OpenAI-compatible `chat/completions` endpoint per chatbot, so the official `openai` SDK (with
`base_url=<site>/api/openai/<chatbot_id>` and a team API key) talks to a chatbot unchanged.

Each request is a new session, for the participant named by `user` (else the API key's): the
request's earlier messages become the session's history, its system messages are added to the
chatbot's prompt for this run (and stored), and the last user message is answered. The completion's
id is the session's id, so `GET /api/sessions/<id>/` reads the conversation afterwards.
`stream: true` answers with `chat.completion.chunk` server-sent events, one per token, then
`data: [DONE]`. Content parts other than text (images) are refused with a 400, as in Open Chat Studio.

Errors are in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`), and a request that
fails before its reply is stored (bad input, the model failing) leaves no session behind."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.api.chatbot_access import bot_error, chatbot_for, chatbot_version, check_message_size, start_api_session
from apps.api.resource_serializers import MESSAGE_TYPES
from apps.api.schema_types import ChatCompletionResponseSerializer
from apps.chat.bot import BotError, BotReply, history_messages, respond
from apps.chat.models import ChatMessage
from apps.chat.streaming import reply_stream
from apps.experiments.sessions import add_messages, discard_session
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
        (413, "The last message is too long"),
        (429, "Too many requests; retry after `Retry-After` seconds"),
        (502, "The chatbot could not answer; nothing is stored"),
    ]
}


class ChatMessageInSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "developer", "user", "assistant", "tool"])
    content = serializers.JSONField(
        help_text="Text, or a list of text parts (joined with a space); other parts, such as images, are refused"
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


def _text(content, index: int) -> str:
    """A message's text: its content, or its text parts joined with a space (as OpenAI reads them).
    Images and other parts are refused, as Open Chat Studio does, rather than dropped unseen."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for number, part in enumerate(content):
            field = f"messages[{index}].content[{number}]"
            if isinstance(part, dict) and part.get("type", "text") != "text":
                raise ValidationError({field: ["Only text messages are supported"]})
            text = part.get("text", "") if isinstance(part, dict) else None
            if not isinstance(text, str):
                field += ".text" if isinstance(part, dict) else ""
                raise ValidationError({field: ["A content part is an object whose text is a string"]})
            texts.append(text)
        return " ".join(texts)
    raise ValidationError({f"messages[{index}].content": ["Message content must be text or a list of text parts"]})


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
        if (refused := _too_many_messages(request)) is not None:
            return refused
        serializer = ChatCompletionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        messages = [(m["role"], _text(m["content"], index)) for index, m in enumerate(data["messages"])]
        if messages[-1][0] != "user":
            raise ValidationError({"messages": ["The last message must be from the user"]})
        check_message_size(messages[-1][1])
        team = api_caller(request).team
        experiment = chatbot_for(team, experiment_id)
        served = chatbot_version(experiment, version) if version is not None else None
        # System (and developer) messages are the caller's instructions for this run: added to the
        # chatbot's prompt and stored with the conversation, but not part of the model's history.
        system = "\n\n".join(text for role, text in messages[:-1] if role in SYSTEM_ROLES)
        turns = [(MESSAGE_TYPES[role], text) for role, text in messages[:-1] if role in ("user", "assistant")]
        stored = [
            (ChatMessage.Type.SYSTEM if role in SYSTEM_ROLES else MESSAGE_TYPES.get(role), text)
            for role, text in messages[:-1]
        ]
        run_options: dict[str, Any] = {
            "version": served,
            "history": history_messages(turns),  # what is stored next: the run need not read it back
            "system_instruction": system,
        }
        model_name = data.get("model") or experiment.name
        identifier = data.get("user") or None
        started = timezone.now()
        session = _new_session(request, experiment, [(kind, text) for kind, text in stored if kind], identifier)
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
            discard_session(session=session, created_since=started)
            raise bot_error(error) from error
        except Exception:
            # Any other failure (the database going away mid-run) leaves nothing behind either, when
            # the database lets us clean up; the error itself is answered as it would have been.
            with contextlib.suppress(DatabaseError):
                discard_session(session=session, created_since=started)
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


def _new_session(request: Request, experiment, turns: list[tuple[str, str]], identifier: str | None):
    session = start_api_session(request, experiment, identifier=identifier)
    add_messages(session=session, messages=turns)
    return session


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
            await sync_to_async(discard_session)(session=session, created_since=started)
            message = str(event.error) if event.error else "The chatbot could not answer"
            yield sse_event(None, {"error": {"message": message, "type": "bot_error"}})
    yield delta({}, "stop")
    if include_usage and reply is not None:
        yield chunk([], usage=_usage(reply))
    yield sse_event(None, "[DONE]")
