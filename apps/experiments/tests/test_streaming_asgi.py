"""Under a real ASGI server (uvicorn, as in production) tokens reach the browser while the model is still
writing, and a reply whose browser went away (the Stop button) stops: what was written is stored, marked stopped."""

import time

import httpx
import pytest

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.service_providers.testing.fake_llm import use_fake_llm

# The server's threads use their own database connections: they must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def test_tokens_stream_before_the_reply_is_done_and_stopped_replies_are_kept(asgi_server, chatbot, gate):
    with httpx.Client(base_url=asgi_server, timeout=10) as browser, use_fake_llm("one two three", "four five"):
        browser.get(f"/c/{chatbot.public_id}/")
        csrf = {"X-CSRFToken": browser.cookies["csrftoken"]}
        browser.post(f"/c/{chatbot.public_id}/start/", headers=csrf)
        session = ExperimentSession.objects.get(experiment=chatbot)
        url = f"/c/{chatbot.public_id}/{session.public_id}/stream/"

        with browser.stream("POST", url, data={"message": "hi", "message_id": "a"}, headers=csrf) as response:
            chunks = response.iter_text()
            assert next(chunks) == 'event: token\ndata: {"text": "one"}\n\n'  # while the model waits at the gate
            gate.set()
            rest = "".join(chunks)
        assert rest.startswith('event: token\ndata: {"text": " two"}')
        assert "event: done" in rest

        gate.clear()
        with browser.stream("POST", url, data={"message": "again", "message_id": "b"}, headers=csrf) as response:
            assert "four" in next(response.iter_text())
        # The browser has gone; the server still answers others. Django notices the disconnect and
        # cancels the response, which sets the run's stop event (nothing outside shows when: a pause).
        assert browser.get(f"/c/{chatbot.public_id}/").status_code == 200
        time.sleep(0.5)
        gate.set()
        deadline = time.monotonic() + 10
        replies = ChatMessage.objects.filter(chat=session.chat, message_type="ai", reply_to__content="again")
        while not replies.exists():
            assert time.monotonic() < deadline, "the stopped reply was not stored"
            time.sleep(0.05)
        reply = replies.get()
        assert (reply.content, reply.metadata["stopped"]) == ("four", True)
