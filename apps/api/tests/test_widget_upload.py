"""The widget's file uploads: `POST /api/chat/<session_id>/upload/`, then `attachment_ids` on a message."""

from unittest import mock

import pytest
from rest_framework.test import APIClient

from apps.api.tests.test_widget_api import ORIGIN, require_session_tokens, start, widget_client
from apps.chat.models import ChatMessage
from apps.experiments.tests.sse import read_events
from apps.files.models import File
from apps.files.testing import PDF, upload
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def started(widget, chatbot) -> tuple[APIClient, str]:
    """A widget client with a started session's token, and the session id."""
    client = widget_client(widget)
    body = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=body["session_token"]
    )
    return client, body["session_id"]


def post_files(client, session_id, *files):
    return client.post(f"/api/chat/{session_id}/upload/", {"files": list(files)}, format="multipart")


def test_upload_answers_like_the_reference(widget, chatbot):
    client, session_id = started(widget, chatbot)
    response = post_files(client, session_id, upload(), upload("scan.pdf", PDF, "application/pdf"))
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    notes, scan = File.objects.order_by("id")
    assert response.json() == {
        "files": [
            {"id": notes.pk, "name": "notes.txt", "size": 23, "content_type": "text/plain"},
            {"id": scan.pk, "name": "scan.pdf", "size": len(PDF), "content_type": "application/pdf"},
        ]
    }
    assert notes.session.public_id.hex == session_id.replace("-", "")
    assert notes.uploaded_by == notes.session.participant


def test_uploads_disabled(widget, chatbot):
    client, session_id = started(widget, chatbot)
    chatbot.file_uploads_enabled = False
    chatbot.save()
    response = post_files(client, session_id, upload())
    assert response.status_code == 403
    assert response.json() == {"detail": "File uploads are not enabled for this chatbot"}


def test_too_large(widget, chatbot, settings):
    client, session_id = started(widget, chatbot)
    settings.FILE_UPLOAD_MAX_BYTES = 10
    response = post_files(client, session_id, upload())
    assert response.status_code == 413
    assert "larger than 10 bytes" in response.json()["detail"]
    settings.FILE_UPLOAD_MAX_BYTES = 1000
    settings.FILE_UPLOAD_MAX_TOTAL_BYTES = 40
    assert post_files(client, session_id, upload(), upload("b.txt")).status_code == 413
    assert not File.objects.exists()


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(widget, chatbot, settings):
    client, session_id = started(widget, chatbot)
    settings.FILE_UPLOAD_MAX_TOTAL_BYTES = 10
    with mock.patch("apps.files.actions.store_upload") as store:
        response = post_files(client, session_id, upload("big.txt", b"x" * 1_100_000))
    assert response.status_code == 413
    store.assert_not_called()


def test_bad_type_is_a_field_error(widget, chatbot):
    client, session_id = started(widget, chatbot)
    response = post_files(client, session_id, upload("tool.exe", b"MZ\x90\x00", "application/octet-stream"))
    assert response.status_code == 400
    assert "tool.exe" in response.json()["files"][0]
    assert post_files(client, session_id).status_code == 400  # no files at all


def test_access_like_the_other_widget_endpoints(widget, chatbot):
    require_session_tokens(widget)
    client, session_id = started(widget, chatbot)
    assert post_files(client, "00000000-0000-0000-0000-000000000000", upload()).status_code == 404
    assert post_files(client, "not-a-session", upload()).status_code == 404
    no_token = widget_client(widget)
    assert post_files(no_token, session_id, upload()).status_code == 403
    bad_key = APIClient()
    bad_key.credentials(HTTP_X_EMBED_KEY="wrong", HTTP_ORIGIN=ORIGIN)
    assert post_files(bad_key, session_id, upload()).status_code == 403
    bad_api_key = APIClient()
    bad_api_key.credentials(HTTP_X_API_KEY="nope")
    # A bad API key: refused as by the rest of the widget API (401 turned 403 by its cookie auth).
    assert bad_api_key.get(f"/api/chat/{session_id}/poll/").status_code == 403
    assert post_files(bad_api_key, session_id, upload()).status_code == 403
    assert not File.objects.exists()


def test_team_credentials_upload_without_a_token(api, widget, chatbot):
    _, session_id = started(widget, chatbot)
    assert post_files(api, session_id, upload()).status_code == 201


def test_a_message_with_attachments_reaches_the_pipeline(widget, chatbot, django_capture_on_commit_callbacks):
    client, session_id = started(widget, chatbot)
    [file] = post_files(client, session_id, upload()).json()["files"]
    with use_fake_llm() as model, django_capture_on_commit_callbacks(execute=True):  # the fake echoes
        sent = client.post(
            f"/api/chat/{session_id}/message/",
            {"message": "What does it say?", "attachment_ids": [file["id"]]},
            format="json",
        )
    assert sent.status_code == 202
    human = ChatMessage.objects.get(external_id=sent.json()["task_id"])
    assert human.attachments == [{"file_id": file["id"], "name": "notes.txt", "content_type": "text/plain", "size": 23}]
    assert human.content == "What does it say?"
    prompt = model.calls[-1][-1].text
    assert "What does it say?" in prompt
    assert "### Attached file: notes.txt (text/plain)\n\nTake two tablets daily." in prompt
    polled = client.get(f"/api/chat/{session_id}/{sent.json()['task_id']}/poll/").json()
    assert polled["status"] == "complete"


def test_attachments_of_another_session_or_unknown_ids_are_refused(widget, chatbot):
    client, session_id = started(widget, chatbot)
    other, other_session_id = started(widget, chatbot)
    [theirs] = post_files(other, other_session_id, upload()).json()["files"]
    url = f"/api/chat/{session_id}/message/"
    for ids in ([theirs["id"]], [999_999], ["x"]):
        response = client.post(url, {"message": "Hi", "attachment_ids": ids}, format="json")
        assert response.status_code == 400
        assert "attachment_ids" in response.json()
    assert not ChatMessage.objects.filter(chat__session__public_id=session_id).exists()


def test_the_streaming_variant_takes_attachments(widget, chatbot):
    client = widget_client(widget)
    body = start(client, chatbot).json()
    session_id = body["session_id"]
    headers = {
        "HTTP_X_EMBED_KEY": widget.embed_key,
        "HTTP_ORIGIN": ORIGIN,
        "HTTP_X_SESSION_TOKEN": body["session_token"],
    }
    client.credentials(**headers)
    [file] = post_files(client, session_id, upload()).json()["files"]
    url = f"/api/chat/{session_id}/message/stream/"
    anonymous = APIClient()
    refused = anonymous.post(url, {"message": "Hi", "attachment_ids": [file["id"] + 1000]}, format="json", **headers)
    assert refused.status_code == 400
    assert "attachment_ids" in refused.json()
    assert anonymous.post(url, {"message": "Hi", "attachment_ids": "1"}, format="json", **headers).status_code == 400
    with use_fake_llm():
        response = anonymous.post(url, {"message": "Read it", "attachment_ids": [file["id"]]}, format="json", **headers)
        events = read_events(response)
    assert events[-1][0] == "done"
    assert "Take two tablets daily." in events[-1][1]["content"]
    human = ChatMessage.objects.get(chat__session__public_id=session_id, message_type="human")
    assert [a["file_id"] for a in human.attachments] == [file["id"]]


def test_a_session_over_its_total_quota_is_refused(widget, chatbot, settings):
    settings.FILE_UPLOAD_MAX_SESSION_BYTES = 40  # each upload() is 23 bytes
    client, session_id = started(widget, chatbot)
    assert post_files(client, session_id, upload()).status_code == 201
    response = post_files(client, session_id, upload("b.txt"))
    assert response.status_code == 413
    assert "larger than 40 bytes" in response.json()["detail"]
    assert File.objects.count() == 1


def test_a_photo_reaches_a_vision_model_as_an_image(widget, chatbot, django_capture_on_commit_callbacks):
    """The simple chatbot runs gpt-4o-mini, which the catalogue marks as accepting images."""
    import base64

    from apps.files.testing import PNG

    client, session_id = started(widget, chatbot)
    [photo] = post_files(client, session_id, upload("rash.png", PNG, "image/png")).json()["files"]
    with use_fake_llm("It looks like a mild rash") as model, django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/chat/{session_id}/message/",
            {"message": "What is this?", "attachment_ids": [photo["id"]]},
            format="json",
        )
    assert sent.status_code == 202
    text, picture = model.calls[-1][-1].content
    assert text["text"] == "What is this?\n\n### Attached image: rash.png (image/png)"
    assert picture == {"type": "image", "base64": base64.b64encode(PNG).decode(), "mime_type": "image/png"}


@pytest.fixture
def speech_server():
    from apps.service_providers.tests.fake_http import FakeResponse, FakeServer

    server = FakeServer().start()
    server.route("POST", "/v1/audio/transcriptions", FakeResponse(200, {"text": " My child has a fever. "}))
    yield server
    server.stop()


def test_a_voice_message_is_transcribed_by_the_chatbots_voice_provider(
    widget, chatbot, speech_server, django_capture_on_commit_callbacks
):
    from apps.service_providers.tests.factories import VoiceProviderFactory

    chatbot.voice_provider = VoiceProviderFactory(
        team=chatbot.team, config={"api_key": "sk-voice", "base_url": f"{speech_server.url}/v1"}
    )
    chatbot.save()
    client, session_id = started(widget, chatbot)
    [note] = post_files(client, session_id, upload("note.ogg", b"OggS" + b"\x00" * 60, "audio/ogg")).json()["files"]
    with use_fake_llm() as model, django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/chat/{session_id}/message/", {"message": "Listen", "attachment_ids": [note["id"]]}, format="json"
        )
    assert sent.status_code == 202, sent.json()
    assert model.calls[-1][-1].text.endswith(
        "### Voice message: note.ogg (audio/ogg), transcribed\n\nMy child has a fever."
    )
    [request] = speech_server.requests_to("/v1/audio/transcriptions")
    assert request.headers["authorization"] == "Bearer sk-voice"


def test_a_failed_transcription_leaves_the_voice_message_named(
    widget, chatbot, speech_server, caplog, django_capture_on_commit_callbacks
):
    from apps.service_providers.tests.factories import VoiceProviderFactory
    from apps.service_providers.tests.fake_http import FakeResponse

    speech_server.route("POST", "/v1/audio/transcriptions", FakeResponse(400, {"error": {"message": "bad audio"}}))
    chatbot.voice_provider = VoiceProviderFactory(
        team=chatbot.team, config={"api_key": "sk-voice", "base_url": f"{speech_server.url}/v1"}
    )
    chatbot.save()
    client, session_id = started(widget, chatbot)
    [note] = post_files(client, session_id, upload("note.ogg", b"OggS" + b"\x00" * 60, "audio/ogg")).json()["files"]
    with use_fake_llm("Please type your question") as model, django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/chat/{session_id}/message/", {"message": "Listen", "attachment_ids": [note["id"]]}, format="json"
        )
    assert sent.status_code == 202
    assert model.calls[-1][-1].text.endswith("### Attached file: note.ogg (audio/ogg; contents not shown)")
    assert "Could not transcribe" in caplog.text
