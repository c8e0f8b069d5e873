"""The request sequence of Open Chat Studio's chat-API load test (`locust/chat_api_load_test.py` in its
repository), over real HTTP against the live server, with exactly its headers and bodies: `Content-Type`,
`x-ocs-widget-version: locust-test-1.0`, `X-Embed-Key` when it has one, no `Origin` (it is not a
browser) and never `X-Session-Token`; a start with `participant_remote_id`, `participant_name` and
`session_data`; then send a message, poll the task until complete, and poll the messages."""

import time

import httpx
import pytest

from apps.channels.models import ExperimentChannel
from apps.experiments.tests.factories import simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db(transaction=True)  # the live server's threads have their own connections
SITE = "https://clinic.example.org"


def run_sequence(base_url: str, chatbot_id: str, embed_key: str | None) -> dict:
    headers = {"Content-Type": "application/json", "x-ocs-widget-version": "locust-test-1.0"}
    if embed_key:
        headers["X-Embed-Key"] = embed_key
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as http:
        started = http.post(
            "/api/chat/start/",
            json={
                "chatbot_id": chatbot_id,
                "participant_remote_id": "locust_user_1a2b3c4d",
                "participant_name": "Locust User 1a2b3c4d",
                "session_data": {"source": "locust_test", "test_run": "0f8e3b1c-58d4-4a57-9a43-6f1e1f0b6c2a"},
            },
        )
        if started.status_code != 201:
            return {"refused start": started.json()}
        session_id = started.json()["session_id"]
        sent = http.post(f"/api/chat/{session_id}/message/", json={"message": "Hello from the load test"})
        if sent.status_code != 202:
            return {"refused": sent.json()}
        assert sent.json()["status"] == "processing"
        task_id = sent.json()["task_id"]
        deadline = time.monotonic() + 10
        while True:  # as the widget does: poll the task until it is complete
            task = http.get(f"/api/chat/{session_id}/{task_id}/poll/")
            assert task.status_code == 200, task.text
            if task.json()["status"] == "complete" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        messages = http.get(f"/api/chat/{session_id}/poll/")
        assert messages.status_code == 200, messages.text
        return {"task": task.json(), "messages": messages.json()}


@pytest.mark.parametrize("level", [None, *ExperimentChannel.AuthLevel.values])
def test_the_load_test_sequence_gets_its_reply(live_server, team, level):
    chatbot = simple_chatbot(team)
    channel = None
    if level is not None:
        channel = ExperimentChannel.objects.create(
            team=team,
            experiment=chatbot,
            platform="embedded_widget",
            name="Site",
            allowed_origins=[SITE],
            auth_level=level,
        )
    embed_key = channel.embed_key if channel and level != ExperimentChannel.AuthLevel.NONE else None
    with use_fake_llm("Load test reply"):
        result = run_sequence(live_server.url, str(chatbot.public_id), embed_key)
    if level in (ExperimentChannel.AuthLevel.EMBED_KEY, ExperimentChannel.AuthLevel.SESSION_TOKEN):
        # As in Open Chat Studio, an embed key is checked against the page's Origin, which this
        # client (not a browser) does not send: it is for chatbots whose widget needs no key.
        assert result["refused start"]["code"] == "chat_access_denied"
        return
    assert result["task"]["status"] == "complete"
    assert result["task"]["message"]["content"] == "Load test reply"
    assert [(m["role"], m["content"]) for m in result["messages"]["messages"]] == [
        ("user", "Hello from the load test"),
        ("assistant", "Load test reply"),
    ]
    assert result["messages"]["session_status"] == "active"
