"""An OpenAI-compatible `chat/completions` endpoint per chatbot, so the official `openai` SDK (with
`base_url=<site>/api/openai/<chatbot_id>` and a team API key) talks to a chatbot unchanged.

Each request is a new session: the request's earlier messages become the session's history and the
last user message is answered. `stream: true` answers with `chat.completion.chunk` server-sent
events, one per token, then `data: [DONE]`."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator

from django.db import close_old_connections
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.api.chatbot_access import bot_error, chatbot_for, chatbot_version, check_message_size, start_api_session
from apps.chat.bot import BotError, respond
from apps.chat.models import ChatMessage


class ChatMessageInSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "developer", "user", "assistant", "tool"])
    content = serializers.JSONField(help_text="Text, or a list of content parts with text")


class ChatCompletionRequestSerializer(serializers.Serializer):
    model = serializers.CharField(required=False, allow_blank=True)
    messages = ChatMessageInSerializer(many=True, allow_empty=False)
    stream = serializers.BooleanField(default=False)


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    raise ValidationError({"messages": ["Message content must be text or a list of text parts"]})


class ChatCompletions(APIView):
    @extend_schema(
        summary="OpenAI-compatible chat completion",
        tags=["OpenAI"],
        request=ChatCompletionRequestSerializer,
        responses={200: dict},
    )
    def post(self, request: Request, experiment_id: str, version: int | None = None):
        serializer = ChatCompletionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        messages = [(m["role"], _text(m["content"])) for m in data["messages"]]
        if messages[-1][0] != "user":
            raise ValidationError({"messages": ["The last message must be from the user"]})
        check_message_size(messages[-1][1])
        team = api_caller(request).team
        experiment = chatbot_for(team, experiment_id)
        served = chatbot_version(experiment, version) if version is not None else None
        session = start_api_session(request, experiment)
        ChatMessage.objects.bulk_create(
            ChatMessage(team=team, chat=session.chat, message_type="human" if role == "user" else "ai", content=text)
            for role, text in messages[:-1]
            if role in ("user", "assistant")
        )
        model_name = data.get("model") or experiment.name
        completion_id = f"chatcmpl-{session.public_id.hex}"
        if data["stream"]:
            stream = _stream(session, messages[-1][1], served, completion_id, model_name)
            response = StreamingHttpResponse(stream, content_type="text/event-stream")
            response["Cache-Control"] = "no-cache"
            response["X-Accel-Buffering"] = "no"
            return response
        try:
            reply = respond(session, messages[-1][1], version=served)
        except BotError as error:
            raise bot_error(error) from error
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
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )


_DONE = object()


def _stream(session, text: str, version, completion_id: str, model: str) -> Iterator[bytes]:
    """Run the bot in a thread and relay its tokens as chunks as they come."""
    tokens: queue.Queue = queue.Queue()

    def run() -> None:
        try:
            respond(session, text, version=version, on_token=tokens.put)
        except BotError as error:
            tokens.put(error)
        finally:
            tokens.put(_DONE)
            close_old_connections()

    threading.Thread(target=run, name="openai-stream", daemon=True).start()
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None) -> bytes:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""})
    while (item := tokens.get()) is not _DONE:
        if isinstance(item, BotError):
            yield f"data: {json.dumps({'error': {'message': str(item), 'type': 'bot_error'}})}\n\n".encode()
            continue
        yield chunk({"content": item})
    yield chunk({}, "stop")
    yield b"data: [DONE]\n\n"
