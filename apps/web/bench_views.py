"""The benchmark baseline (served only with settings.FAKE_LLM or settings.BENCH_BASELINE_MODEL_URL):
the least a message view can do — one model call (the in-process fake, or an OpenAI-compatible server
over HTTP through one kept-alive client) and the same two inserts as a real message (the
participant's and the reply)."""

import functools
import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from langchain_core.messages import HumanMessage
from openai import OpenAI

from apps.chat.models import Chat, ChatMessage
from apps.service_providers.llm import service


@functools.cache
def _http_client() -> OpenAI:
    return OpenAI(base_url=settings.BENCH_BASELINE_MODEL_URL, api_key="bench", max_retries=0)


def _reply(text: str) -> str:
    if settings.BENCH_BASELINE_MODEL_URL:
        completion = _http_client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return completion.choices[0].message.content or ""
    fake = service._chat_model_override
    assert fake is not None, "served only with FAKE_LLM"
    return fake(None, "baseline", None).invoke([HumanMessage(text)]).text  # type: ignore[arg-type]


@csrf_exempt
def baseline_message(request, chat_id: int):
    text = json.loads(request.body)["message"]
    chat = Chat.objects.get(pk=chat_id)
    reply = _reply(text)
    ChatMessage.objects.create(team_id=chat.team_id, chat=chat, message_type="human", content=text)
    ChatMessage.objects.create(team_id=chat.team_id, chat=chat, message_type="ai", content=reply)
    return JsonResponse({"response": reply})
