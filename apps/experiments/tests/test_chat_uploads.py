"""Attachments in the web chats: the team chat page and the public link upload files first, then send
the message with their ids; the transcript shows them as chips with download links."""

import pytest
from django.test import Client

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.sse import read_events
from apps.files.models import File
from apps.files.testing import upload
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chatbot(chatbot):
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return chatbot


def team_chat(client, team, chatbot) -> tuple[ExperimentSession, str]:
    client.post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/", {"version": 0})
    session = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    return session, f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/"


def test_a_member_attaches_a_file_and_the_transcript_links_it(admin_client, team, chatbot):
    session, base = team_chat(admin_client, team, chatbot)
    page = admin_client.get(base).content.decode()
    assert f'data-upload-url="{base}upload/"' in page
    assert "data-chat-attach" in page

    uploaded = admin_client.post(f"{base}upload/", {"files": [upload()]})
    assert uploaded.status_code == 201
    [file] = uploaded.json()["files"]
    assert file["name"] == "notes.txt"

    with use_fake_llm():  # echoes what the model was given
        events = read_events(
            admin_client.post(
                f"{base}stream/", {"message": "Summarise", "message_id": "m1", "attachment_ids": str(file["id"])}
            )
        )
    assert events[-1][0] == "done"
    assert "Take two tablets daily." in events[-1][1]["content"]
    human = ChatMessage.objects.get(chat=session.chat, message_type="human")
    assert human.content == "Summarise"
    assert human.attachments[0]["file_id"] == file["id"]

    download = f"/a/{team.slug}/files/{file['id']}/"
    assert download in admin_client.get(base).content.decode()
    transcript = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/sessions/{session.public_id}/")
    assert download in transcript.content.decode()
    assert admin_client.get(download)["Content-Disposition"].startswith("attachment")


def test_without_uploads_there_is_no_attach_button_and_uploads_are_refused(admin_client, team, chatbot):
    chatbot.file_uploads_enabled = False
    chatbot.save()
    _, base = team_chat(admin_client, team, chatbot)
    assert "data-chat-attach" not in admin_client.get(base).content.decode()
    response = admin_client.post(f"{base}upload/", {"files": [upload()]})
    assert response.status_code == 403
    assert response.json()["detail"] == "File uploads are not enabled for this chatbot"


def test_web_upload_errors(admin_client, team, chatbot, settings):
    _, base = team_chat(admin_client, team, chatbot)
    bad = admin_client.post(f"{base}upload/", {"files": [upload("x.exe", b"MZ\x90\x00", "application/x-msdownload")]})
    assert bad.status_code == 400
    assert "x.exe" in bad.json()["files"][0]
    settings.FILE_UPLOAD_MAX_BYTES = 5
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 413
    assert admin_client.get(f"{base}upload/").status_code == 405


def test_a_file_of_another_session_cannot_be_attached(admin_client, team, chatbot):
    _, first = team_chat(admin_client, team, chatbot)
    [file] = admin_client.post(f"{first}upload/", {"files": [upload()]}).json()["files"]
    session, second = team_chat(admin_client, team, chatbot)
    with use_fake_llm():
        events = read_events(
            admin_client.post(
                f"{second}stream/", {"message": "Hi", "message_id": "m1", "attachment_ids": str(file["id"])}
            )
        )
    assert events == [("error", {"message": f"Unknown file ids for this session: {file['id']}"})]
    assert not ChatMessage.objects.filter(chat=session.chat).exists()


def test_the_public_link_uploads_into_the_visitors_own_session_only(client, chatbot):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(f"/c/{chatbot.public_id}/")
    csrf = visitor.cookies["csrftoken"].value
    visitor.post(f"/c/{chatbot.public_id}/start/", HTTP_X_CSRFTOKEN=csrf)  # no consent form: anonymous
    session = ExperimentSession.objects.get(experiment=chatbot)
    page = visitor.get(f"/c/{chatbot.public_id}/").content.decode()
    upload_url = f"/c/{chatbot.public_id}/{session.public_id}/upload/"
    assert f'data-upload-url="{upload_url}"' in page
    assert "/files/" not in page  # no team download links on the public page
    assert visitor.post(upload_url, {"files": [upload()]}).status_code == 403  # no CSRF token
    uploaded = visitor.post(upload_url, {"files": [upload()]}, HTTP_X_CSRFTOKEN=csrf)
    assert uploaded.status_code == 201
    [file] = uploaded.json()["files"]
    with use_fake_llm():
        events = read_events(
            visitor.post(
                f"/c/{chatbot.public_id}/{session.public_id}/stream/",
                {"message": "Read", "message_id": "m1", "attachment_ids": str(file["id"])},
                HTTP_X_CSRFTOKEN=csrf,
            )
        )
    assert "Take two tablets daily." in events[-1][1]["content"]
    assert "📎 notes.txt" in visitor.get(f"/c/{chatbot.public_id}/").content.decode()

    stranger = Client()
    assert stranger.post(upload_url, {"files": [upload()]}).status_code == 404
    assert File.objects.count() == 1
