"""Bad input to the API answers a 4xx naming the field, never a 500, and writes nothing (issue 12 §3):
JSON nested deeper than MAX_JSON_DEPTH, NUL characters and lone surrogates (which PostgreSQL's text
and jsonb cannot store), bad query parameters and cursors, messages to an ended session."""

import base64
import json

import pytest
from asgiref.sync import async_to_sync
from rest_framework.test import APIClient

from apps.api.tests.test_widget_api import ORIGIN, start, widget_client
from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.participants.models import Participant, ParticipantData
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db

NUL = '"a\\u0000b"'  # as JSON text: what json.dumps writes for a NUL, and what a client can send
SURROGATE = '"a\\ud800b"'  # an unpaired surrogate, as JSON text


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def post_raw(client, path: str, text: str | bytes, **extra):
    return client.generic("POST", path, text, content_type="application/json", **extra)


def openai_path(chatbot) -> str:
    return f"/api/openai/{chatbot.public_id}/chat/completions"


@pytest.mark.parametrize("value", [deep(5_000), NUL, SURROGATE])
def test_drf_endpoints_refuse_deep_or_unstorable_json_naming_the_field(api, chatbot, value):
    created = api.post("/api/sessions/", {"experiment": str(chatbot.public_id)}, format="json").json()
    cases = [
        ("POST", "/api/sessions/", f'{{"experiment": "{chatbot.public_id}", "state": {{"note": {value}}}}}', "state"),
        ("PATCH", f"/api/sessions/{created['id']}/update_state/", f'{{"state": {{"k": {value}}}}}', "state"),
        ("POST", f"/api/sessions/{created['id']}/tags/", f'{{"tags": [{value}]}}', "tags"),
        ("POST", f"/channels/api/{chatbot.public_id}/incoming_message", f'{{"message": {value}}}', "message"),
        (
            "POST",
            "/api/participants",
            f'{{"identifier": "p1", "data": [{{"experiment": "{chatbot.public_id}", "data": {{"k": {value}}}}}]}}',
            "data",
        ),
    ]
    for method, path, body, field in cases:
        response = api.generic(method, path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert field in response.json(), (path, response.json())
    assert ExperimentSession.objects.count() == 1  # only the session made above
    assert not Participant.objects.filter(identifier="p1").exists()


def test_the_depth_limit_is_a_setting(api, chatbot, settings):
    settings.MAX_JSON_DEPTH = 3
    session = {"experiment": str(chatbot.public_id), "state": {"a": {"b": 1}}}
    assert api.post("/api/sessions/", session, format="json").status_code == 201
    session["state"] = {"a": {"b": {"c": 1}}}
    response = api.post("/api/sessions/", session, format="json")
    assert response.status_code == 400
    assert response.json() == {"state": ["state.a.b: Nested more than 3 levels deep."]}


def test_nan_and_infinity_are_refused(api, chatbot):
    body = f'{{"experiment": "{chatbot.public_id}", "state": {{"x": NaN}}}}'
    assert post_raw(api, "/api/sessions/", body).status_code == 400
    body = f'{{"experiment": "{chatbot.public_id}", "state": {{"x": 1e999}}}}'
    assert post_raw(api, "/api/sessions/", body).json() == {"state": ["state.x: Numbers must be finite."]}


def test_query_parameters_that_cannot_be_stored_are_400(api):
    for name in ("identifier", "platform"):
        response = api.get("/api/participants", {name: "a\x00b"})
        assert response.status_code == 400
        assert name in response.json()
    assert api.get("/api/sessions/", {"tags": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("cursor", ["not base64!", base64.b64encode(b"p=garbage").decode(), "cD0AAA=="])
def test_a_malformed_cursor_is_400(api, chatbot, cursor):
    for path in ("/api/sessions/", "/api/experiments/", "/api/participants"):
        response = api.get(path, {"cursor": cursor})
        assert response.status_code == 400, path
        assert "cursor" in response.json()


# --- The OpenAI-compatible endpoint -------------------------------------------------------------


def test_openai_bad_content_is_400_in_openais_shape_and_writes_nothing(api, chatbot):
    for content, param in [
        ([{"type": "text", "text": 5}], "messages[0].content[0].text"),
        (["text"], "messages[0].content[0]"),
        (7, "messages[0].content"),
    ]:
        response = api.post(openai_path(chatbot), {"messages": [{"role": "user", "content": content}]}, format="json")
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["param"], error["type"]) == (param, "invalid_request_error")
        assert set(error) == {"message", "type", "param", "code"}
    for text in (NUL, SURROGATE):
        body = f'{{"messages": [{{"role": "user", "content": "hi"}}, {{"role": "user", "content": {text}}}]}}'
        response = post_raw(api, openai_path(chatbot), body)
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "messages"
        assert "messages[1].content" in response.json()["error"]["message"]
    assert not ExperimentSession.objects.exists()
    assert not Participant.objects.exists()


def test_openai_model_failure_leaves_no_session_behind(api, chatbot):
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "?"},
    ]
    with use_fake_llm(errors.AuthenticationFailed("The API key for provider 'OpenAI' was rejected")):
        response = api.post(openai_path(chatbot), {"messages": messages}, format="json")
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "server_error"
    assert not ExperimentSession.objects.exists()
    assert not ChatMessage.objects.exists()
    assert not Participant.objects.exists()


def test_openai_streamed_model_failure_leaves_no_session_behind(api, chatbot):
    body = {"stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with use_fake_llm(errors.AuthenticationFailed("The API key for provider 'OpenAI' was rejected")):
        response = api.post(openai_path(chatbot), body, format="json")
        raw = b"".join(async_to_sync(_collect)(response))
    assert b"was rejected" in raw
    assert raw.endswith(b"data: [DONE]\n\n")
    assert not ExperimentSession.objects.exists()
    assert not ChatMessage.objects.exists()
    assert not Participant.objects.exists()
    assert not ParticipantData.objects.exists()


def test_a_failed_stream_keeps_the_participant_of_earlier_requests(api, chatbot):
    with use_fake_llm("fine"):
        first = api.post(openai_path(chatbot), {"messages": [{"role": "user", "content": "Hi"}]}, format="json")
    assert first.status_code == 200
    body = {"stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with use_fake_llm(errors.AuthenticationFailed("rejected")):
        async_to_sync(_collect)(api.post(openai_path(chatbot), body, format="json"))
    assert ExperimentSession.objects.count() == 1
    assert Participant.objects.count() == 1
    assert ParticipantData.objects.count() == 1


async def _collect(response) -> list[bytes]:
    return [chunk async for chunk in response.streaming_content]


def test_openai_unknown_chatbot_is_404_in_openais_shape(api):
    response = api.post(
        "/api/openai/00000000-0000-0000-0000-000000000000/chat/completions",
        {"messages": [{"role": "user", "content": "hi"}]},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Ended sessions -----------------------------------------------------------------------------


def test_a_message_to_an_ended_session_is_409_on_the_api_channel(api, chatbot):
    session = api.post("/api/sessions/", {"experiment": str(chatbot.public_id)}, format="json").json()["id"]
    assert api.post(f"/api/sessions/{session}/end_experiment_session/").status_code == 200
    response = api.post(
        f"/channels/api/{chatbot.public_id}/incoming_message", {"message": "Hi", "session": session}, format="json"
    )
    assert response.status_code == 409
    assert "ended" in response.json()["detail"]


def _ended_widget_session(widget, chatbot):
    body = start(widget_client(widget), chatbot).json()
    ExperimentSession.objects.filter(public_id=body["session_id"]).update(status=ExperimentSession.Status.COMPLETE)
    client = widget_client(widget)
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=body["session_token"]
    )
    return client, body["session_id"]


def test_a_message_to_an_ended_session_is_a_4xx_on_the_widget(widget, chatbot):
    client, session_id = _ended_widget_session(widget, chatbot)
    sent = client.post(f"/api/chat/{session_id}/message/", {"message": "Hi"}, format="json")
    assert sent.status_code == 400
    assert "ended" in sent.json()["error"]
    streamed = client.post(f"/api/chat/{session_id}/message/stream/", {"message": "Hi"}, format="json")
    assert streamed.status_code == 409
    assert not ChatMessage.objects.exists()


# --- The widget API (reachable with the page's embed key alone) ---------------------------------


@pytest.mark.parametrize("value", [NUL, SURROGATE, deep(3_000)])
def test_widget_refuses_unstorable_session_data_and_context(widget, chatbot, value):
    client = widget_client(widget)
    body = f'{{"chatbot_id": "{chatbot.public_id}", "session_data": {{"k": {value}}}}}'
    response = post_raw(client, "/api/chat/start/", body)
    assert response.status_code == 400
    assert "session_data" in response.json()
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    response = post_raw(
        client, f"/api/chat/{started['session_id']}/message/", f'{{"message": "hi", "context": {value}}}'
    )
    assert response.status_code == 400
    assert "context" in response.json()
    stream = f"/api/chat/{started['session_id']}/message/stream/"
    response = post_raw(client, stream, f'{{"message": {value}}}')
    assert response.status_code == 400
    assert not ChatMessage.objects.exists()


def test_widget_stream_refuses_a_body_that_is_not_utf8(widget, chatbot):
    client = widget_client(widget)
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    response = post_raw(client, f"/api/chat/{started['session_id']}/message/stream/", b'{"message": "\xff\xfe"}')
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": "-5"}, "limit"), ({"limit": "0"}, "limit"), ({"since": "2024-13-45T00:00:00"}, "since")],
)
def test_widget_poll_refuses_bad_parameters(widget, chatbot, query, field):
    client = widget_client(widget)
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    response = client.get(f"/api/chat/{started['session_id']}/poll/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_widget_poll_since_with_an_offset_postgresql_refuses(widget, chatbot):
    # ISO 8601 allows offsets to ±23:59, PostgreSQL only to ±15:59 (the schema fuzz test found a 500).
    client = widget_client(widget)
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    poll = f"/api/chat/{started['session_id']}/poll/"
    assert client.get(poll, {"since": "0180-02-02T19:13:53+23:54"}).status_code == 200
    assert client.get(poll, {"since": "2024-01-01T00:00:00-23:00"}).status_code == 200
    refused = client.get(poll, {"since": "0001-01-01T00:00:00+01:00"})
    assert (refused.status_code, list(refused.json())) == (400, ["since"])


# --- Participant data ---------------------------------------------------------------------------


def test_participant_data_stored_with_a_lone_surrogate_is_read_scrubbed(api, chatbot, team):
    """Data stored before the edges refused it still lists, and reads back storable."""
    participant = Participant.objects.create(team=team, platform="api", identifier="old")
    ParticipantData.objects.create(team=team, participant=participant, experiment=chatbot, data={"name": "A\ud800"})
    response = api.get("/api/participants")
    assert response.status_code == 200
    assert response.json()["results"][0]["data"][0]["data"] == {"name": "A\ufffd"}


def test_the_openai_error_shape_is_plain_json(api, chatbot):
    """What the openai SDK reads: a JSON object with an `error` object."""
    raw = api.post(openai_path(chatbot), {"messages": []}, format="json").content
    assert set(json.loads(raw)) == {"error"}


def test_bearer_key_errors_keep_their_status(chatbot):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cs_bad.key")
    response = client.post(openai_path(chatbot), {"messages": [{"role": "user", "content": "hi"}]}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_widget_context_sent_as_a_form_is_checked_too(widget, chatbot):
    client = widget_client(widget)
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    response = client.post(f"/api/chat/{started['session_id']}/message/", {"message": "hi", "context.page": "a\x00"})
    assert response.status_code == 400
    assert "context" in response.json()
    assert not ChatMessage.objects.exists()


def test_an_api_url_that_matches_nothing_is_a_json_404(api, client):
    response = api.post("/api/chat/a%2Fb/upload/", {})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    response = api.post("/api/openai/a%2Fb/chat/completions", {}, format="json")
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_failed_request_keeps_data_a_concurrent_request_made(chatbot):
    # Request A started first and failed; request B of the same participant (an API key's own, or the
    # same `user`) began after A and made the participant's data for this chatbot: it is B's.
    from django.utils import timezone

    from apps.experiments.sessions import discard_session, participant_data_for
    from apps.experiments.tests.factories import session_for

    started_a = timezone.now()
    failed = session_for(chatbot, identifier="shared@example.org")
    concurrent = session_for(chatbot, identifier="shared@example.org")
    data = participant_data_for(concurrent)
    data.data = {"name": "Ana"}
    data.save()
    discard_session(session=failed, created_since=started_a)
    assert not ExperimentSession.objects.filter(pk=failed.pk).exists()
    assert ParticipantData.objects.get(pk=data.pk).data == {"name": "Ana"}
    assert Participant.objects.filter(pk=concurrent.participant_id).exists()


def test_an_openai_request_that_fails_otherwise_leaves_no_session_behind(api, chatbot, monkeypatch):
    # Not a pipeline failure (BotError) but anything else, e.g. the database going away mid-run.
    from apps.api.views import openai_api

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(openai_api, "respond", broken)
    api.raise_request_exception = False
    response = api.post(openai_path(chatbot), {"messages": [{"role": "user", "content": "Hi"}]}, format="json")
    assert response.status_code == 500
    assert not ExperimentSession.objects.exists()
    assert not ChatMessage.objects.exists()
    assert not Participant.objects.exists()
