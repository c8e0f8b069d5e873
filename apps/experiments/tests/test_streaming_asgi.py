"""Under a real ASGI server (uvicorn, as in production) tokens reach the browser while the model is still
writing, and a reply whose browser went away (the Stop button) is still finished and stored."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.service_providers.testing.fake_llm import FakeChatModel, use_fake_llm

# The server's threads use their own database connections: they must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def asgi_server():
    from config.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def gate(monkeypatch):
    """The fake model stops after its first token until the test opens the gate."""
    opened = threading.Event()
    stream = FakeChatModel._stream

    def gated(self, *args, **kwargs):
        for index, chunk in enumerate(stream(self, *args, **kwargs)):
            yield chunk
            if index == 0:
                opened.wait(10)

    monkeypatch.setattr(FakeChatModel, "_stream", gated)
    return opened


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
        # The browser has gone; the server still answers others, then finishes the reply.
        assert browser.get(f"/c/{chatbot.public_id}/").status_code == 200
        gate.set()
        deadline = time.monotonic() + 10
        while not ChatMessage.objects.filter(chat=session.chat, content="four five").exists():
            assert time.monotonic() < deadline, "the stopped reply was not stored"
            time.sleep(0.05)
