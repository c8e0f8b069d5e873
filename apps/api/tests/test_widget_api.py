"""The chat widget API (what `open-chat-studio-widget` calls): start, send, poll task, poll messages."""

import pytest
from rest_framework.test import APIClient

from apps.api.widget_access import identity_signature
from apps.channels.models import ExperimentChannel
from apps.chat.models import ChatMessage
from apps.experiments import actions
from apps.experiments.tests.sse import read_events
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ORIGIN = "https://clinic.example.org"


@pytest.fixture
def widget(team, chatbot):
    return ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=[ORIGIN]
    )


def widget_client(widget, origin=ORIGIN) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=origin)
    return client


def require_session_tokens(widget) -> None:
    """The strictest level (ADR 0010): later calls must carry the session's X-Session-Token."""
    widget.auth_level = ExperimentChannel.AuthLevel.SESSION_TOKEN
    widget.save()


def start(client, chatbot, **extra):
    return client.post("/api/chat/start/", {"chatbot_id": str(chatbot.public_id), **extra}, format="json")


def test_the_widget_conversation(widget, chatbot, django_capture_on_commit_callbacks):
    client = widget_client(widget)
    signature = identity_signature(widget, "user-7")  # as the embedding site's server signs it
    started = start(
        client,
        chatbot,
        participant_remote_id="user-7",
        participant_remote_id_signature=signature,
        participant_name="Ama",
    )
    assert started.status_code == 201
    body = started.json()
    assert started["Access-Control-Allow-Origin"] == ORIGIN
    assert body["chatbot"]["id"] == str(chatbot.public_id)
    assert body["participant"] == {"identifier": "user-7", "remote_id": "user-7"}
    session_id, token = body["session_id"], body["session_token"]
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=token)

    with use_fake_llm("Hello Ama"), django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/chat/{session_id}/message/", {"message": "Hi", "context": {"page": "/faq"}}, format="json"
        )
    assert sent.status_code == 202
    assert sent.json()["status"] == "processing"
    task_id = sent.json()["task_id"]

    polled = client.get(f"/api/chat/{session_id}/{task_id}/poll/").json()
    assert polled["status"] == "complete"
    assert polled["message"]["role"] == "assistant"
    assert polled["message"]["content"] == "Hello Ama"
    messages = client.get(f"/api/chat/{session_id}/poll/").json()
    assert [(m["role"], m["content"]) for m in messages["messages"]] == [("user", "Hi"), ("assistant", "Hello Ama")]
    assert messages["session_status"] == "active"
    assert messages["has_more"] is False
    since = messages["messages"][0]["created_at"]
    assert len(client.get(f"/api/chat/{session_id}/poll/", {"since": since}).json()["messages"]) == 1


def test_a_failed_reply_is_reported_by_the_task_poll(widget, chatbot, django_capture_on_commit_callbacks):
    client = widget_client(widget)
    body = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=body["session_token"]
    )
    with (
        use_fake_llm(errors.AuthenticationFailed("The API key for provider 'X' was rejected")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        task_id = client.post(f"/api/chat/{body['session_id']}/message/", {"message": "Hi"}, format="json").json()[
            "task_id"
        ]
    polled = client.get(f"/api/chat/{body['session_id']}/{task_id}/poll/")
    assert polled.status_code == 500
    assert polled.json()["status"] == "error"
    # The provider's details stay on the trace; the visitor gets a reference to it.
    assert "was rejected" not in polled.json()["error"]
    trace_id = ChatMessage.objects.get(external_id=task_id).metadata["trace_id"]
    assert f"trace {trace_id}" in polled.json()["error"]
    team_view = APIClient()
    team_view.force_authenticate(user=MembershipFactory(team=chatbot.team).user)
    assert "was rejected" in team_view.get(f"/api/chat/{body['session_id']}/{task_id}/poll/").json()["error"]


def test_embed_key_and_origin_are_checked(widget, chatbot):
    assert start(APIClient(), chatbot).status_code == 403  # the chatbot has a widget: its key is needed
    assert start(widget_client(widget, origin="https://evil.example.com"), chatbot).status_code == 403
    bad_key = APIClient()
    bad_key.credentials(HTTP_X_EMBED_KEY="wrong", HTTP_ORIGIN=ORIGIN)
    response = start(bad_key, chatbot)
    assert response.status_code == 403
    assert response.json()["code"] == "chat_access_denied"


def test_session_token_is_required_for_later_calls(widget, chatbot):
    require_session_tokens(widget)
    client = widget_client(widget)
    session_id = start(client, chatbot).json()["session_id"]
    assert client.get(f"/api/chat/{session_id}/poll/").status_code == 403  # no token
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN="forged")
    assert client.get(f"/api/chat/{session_id}/poll/").status_code == 403


def test_a_chatbot_without_a_widget_is_open_like_its_public_link(chatbot):
    response = start(APIClient(), chatbot)
    assert response.status_code == 201
    assert response.json()["session_token"]


def test_team_credentials_may_pick_a_version(api, chatbot):
    with use_fake_llm():
        actions.create_chatbot_version(experiment=chatbot)
    body = start(api, chatbot, version_number=1, session_data={"plan": "gold"}).json()
    assert body["session_token"] is None
    from apps.experiments.models import ExperimentSession

    session = ExperimentSession.objects.get(public_id=body["session_id"])
    assert (session.version_number, session.state) == (1, {"plan": "gold"})
    assert start(APIClient(), chatbot, version_number=1).status_code == 403


def test_the_next_version_number_pins_the_working_copy(api, chatbot):
    """As on the API channel: the experiments API's `version_number` (the one after the newest
    version) reaches the working copy, not the published version."""
    from apps.experiments.models import ExperimentSession
    from apps.experiments.selectors import served_version

    with use_fake_llm():
        actions.create_chatbot_version(experiment=chatbot, publish=True)
    body = start(api, chatbot, version_number=2).json()
    session = ExperimentSession.objects.get(public_id=body["session_id"])
    assert served_version(session).pk == chatbot.pk
    assert start(api, chatbot, version_number=3).status_code == 404


def test_bad_input(widget, chatbot):
    client = widget_client(widget)
    assert client.post("/api/chat/start/", {}, format="json").status_code == 400
    assert start(client, chatbot.__class__(public_id="00000000-0000-0000-0000-000000000000")).status_code == 404
    body = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=body["session_token"]
    )
    url = f"/api/chat/{body['session_id']}/message/"
    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"message": "x" * 10_001}, format="json").status_code == 413
    assert client.get(f"/api/chat/{body['session_id']}/poll/", {"since": "yesterday"}).status_code == 400
    assert client.get(f"/api/chat/{body['session_id']}/nope/poll/").status_code == 404
    assert client.get("/api/chat/not-a-session/poll/").status_code == 404


def test_cors_preflight(widget):
    response = APIClient().options("/api/chat/start/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Embed-Key" in response["Access-Control-Allow-Headers"]


def test_streaming_variant(widget, chatbot, client):
    require_session_tokens(widget)
    body = start(widget_client(widget), chatbot).json()
    headers = {
        "HTTP_X_EMBED_KEY": widget.embed_key,
        "HTTP_ORIGIN": ORIGIN,
        "HTTP_X_SESSION_TOKEN": body["session_token"],
    }
    url = f"/api/chat/{body['session_id']}/message/stream/"
    with use_fake_llm("streamed to the widget"):
        response = client.post(url, {"message": "Hi"}, content_type="application/json", **headers)
        events = read_events(response)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert [name for name, _ in events] == ["token"] * 4 + ["done"]
    assert events[-1][1]["content"] == "streamed to the widget"
    no_token = {key: value for key, value in headers.items() if key != "HTTP_X_SESSION_TOKEN"}
    assert client.post(url, {"message": "Hi"}, content_type="application/json", **no_token).status_code == 403
    assert client.post(url, {"message": ""}, content_type="application/json", **headers).status_code == 400
    assert client.post(url, {"message": "x" * 10_001}, content_type="application/json", **headers).status_code == 413


def test_a_message_sent_while_the_broker_is_down_is_accepted_and_kept(
    widget, chatbot, monkeypatch, django_capture_on_commit_callbacks
):
    # Stored first; the sweeper queues it once the broker is back (apps/conversations/sweeper.py). A 500 here
    # made the widget send it again, and both copies were answered.
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from apps.conversations import tasks

    def broker_down(*args, **kwargs):
        raise BrokerUnavailable("Error 111 connecting to valkey.sock. Connection refused.")

    monkeypatch.setattr(tasks.reply_to_message, "delay", broker_down)
    client = widget_client(widget)
    body = start(client, chatbot).json()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/chat/{body['session_id']}/message/", {"message": "Hi"}, format="json")
    assert sent.status_code == 202
    assert ChatMessage.objects.get(external_id=sent.json()["task_id"]).answered_in_background
