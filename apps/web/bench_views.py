"""The benchmark baseline (served only with settings.FAKE_LLM): the least a message view can do —
one fake model call and the same two inserts as a real message (the participant's and the reply)."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from langchain_core.messages import HumanMessage

from apps.chat.models import Chat, ChatMessage
from apps.service_providers.llm import service


@csrf_exempt
def baseline_message(request, chat_id: int):
    text = json.loads(request.body)["message"]
    chat = Chat.objects.get(pk=chat_id)
    fake = service._chat_model_override
    assert fake is not None, "served only with FAKE_LLM"
    reply = fake(None, "baseline", None).invoke([HumanMessage(text)]).text  # type: ignore[arg-type]
    ChatMessage.objects.create(team_id=chat.team_id, chat=chat, message_type="human", content=text)
    ChatMessage.objects.create(team_id=chat.team_id, chat=chat, message_type="ai", content=reply)
    return JsonResponse({"response": reply})
