"""File content: `GET /api/files/<id>/content` with the team's API key, each message attachment's
`content_url` in the sessions API, and the widget's own `GET /api/chat/<session>/files/<id>/content/`."""

import pytest
from rest_framework.test import APIClient

from apps.api.keys import create_api_key, revoke_api_key
from apps.api.tests.test_widget_api import ORIGIN, require_session_tokens, widget_client
from apps.api.tests.test_widget_upload import post_files, started
from apps.conversations.bot import respond
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.testing import PDF, downloaded, upload
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_file(chatbot, name="Dose plan.txt", content=b"Take two tablets daily.", content_type="text/plain"):
    chatbot.file_uploads_enabled = True
    chatbot.save()
    session = session_for(chatbot)
    [file] = actions.store_upload(session=session, files=[upload(name, content, content_type)])
    return session, file


def content(response) -> bytes:
    return downloaded(response)


def test_download_with_the_api_key(api, chatbot):
    _, file = stored_file(chatbot, "scan.pdf", PDF, "application/pdf")
    response = api.get(f"/api/files/{file.pk}/content")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert content(response) == PDF
    octets = api.get(f"/api/files/{file.pk}/content", HTTP_ACCEPT="application/octet-stream")
    assert octets.status_code == 200
    assert content(octets) == PDF


def test_unknown_malformed_and_gone_files_are_404(api, chatbot):
    _, file = stored_file(chatbot)
    for file_id in ["999999", "abc", "0", "-1", "99999999999999999999"]:
        response = api.get(f"/api/files/{file_id}/content", HTTP_ACCEPT="application/octet-stream")
        assert response.status_code == 404, file_id
        assert response.json() == {"detail": "No such file"}
    file.file.delete(save=False)
    assert api.get(f"/api/files/{file.pk}/content").status_code == 404


def test_another_teams_file_is_404(api, other_team):
    _, theirs = stored_file(simple_chatbot(other_team))
    assert api.get(f"/api/files/{theirs.pk}/content").status_code == 404


def test_keys_are_required(chatbot, team):
    _, file = stored_file(chatbot)
    url = f"/api/files/{file.pk}/content"
    assert APIClient().get(url).status_code == 401
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="cs_nope.nope")
    assert client.get(url).status_code == 401
    key, raw = create_api_key(team=team, name="revoked")
    revoke_api_key(key=key)
    client.credentials(HTTP_X_API_KEY=raw)
    assert client.get(url).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_key(team=team, name='bearer')[1]}")
    assert client.get(url).status_code == 200


def test_session_messages_link_their_attachments(api, chatbot):
    session, file = stored_file(chatbot)
    with use_fake_llm("Noted"):
        respond(session, "Here is my plan", attachments=[file.as_attachment()])
    detail = api.get(f"/api/sessions/{session.public_id}/").json()
    human = detail["messages"][0]
    assert human["attachments"] == [
        {
            "name": "Dose plan.txt",
            "content_type": "text/plain",
            "size": 23,
            "content_url": f"http://testserver/api/files/{file.pk}/content",
        }
    ]
    assert detail["messages"][1]["attachments"] == []
    assert content(api.get(human["attachments"][0]["content_url"])) == b"Take two tablets daily."


def test_the_widget_downloads_its_sessions_files(widget, chatbot, django_capture_on_commit_callbacks):
    client, session_id = started(widget, chatbot)
    [uploaded] = post_files(client, session_id, upload()).json()["files"]
    with use_fake_llm(), django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/chat/{session_id}/message/",
            {"message": "Read it", "attachment_ids": [uploaded["id"]]},
            format="json",
        )
    assert sent.status_code == 202
    [human, _] = client.get(f"/api/chat/{session_id}/poll/").json()["messages"]
    [attachment] = human["attachments"]
    download_url = f"http://testserver/api/chat/{session_id}/files/{uploaded['id']}/content/"
    assert attachment == {
        "name": "notes.txt",
        "content_type": "text/plain",
        "size": 23,
        "content_url": f"http://testserver/api/files/{uploaded['id']}/content",
        "download_url": download_url,
    }
    response = client.get(download_url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Content-Disposition" in response["Access-Control-Expose-Headers"]
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert content(response) == b"Take two tablets daily."
    task = client.get(f"/api/chat/{session_id}/{sent.json()['task_id']}/poll/").json()
    assert task["message"]["attachments"] == []
    preflight = client.options(download_url)
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Session-Token" in preflight["Access-Control-Allow-Headers"]


def test_the_widget_download_needs_the_sessions_credentials(widget, chatbot, api):
    require_session_tokens(widget)
    client, session_id = started(widget, chatbot)
    [uploaded] = post_files(client, session_id, upload()).json()["files"]
    url = f"/api/chat/{session_id}/files/{uploaded['id']}/content/"
    assert widget_client(widget).get(url).status_code == 403  # no session token
    assert widget_client(widget, origin="https://elsewhere.example").get(url).status_code == 403
    other, other_session_id = started(widget, chatbot)
    assert other.get(url).status_code == 403  # another session's token
    # Their own session id, someone else's file: not found.
    assert other.get(f"/api/chat/{other_session_id}/files/{uploaded['id']}/content/").status_code == 404
    for file_id in ["999999", "x"]:
        assert client.get(f"/api/chat/{session_id}/files/{file_id}/content/").status_code == 404
    assert api.get(url).status_code == 200  # the team's key needs no session token


def test_the_widget_download_of_another_teams_session_is_refused(widget, chatbot, other_team):
    _, theirs = stored_file(simple_chatbot(other_team))
    client, session_id = started(widget, chatbot)
    assert client.get(f"/api/chat/{session_id}/files/{theirs.pk}/content/").status_code == 404
    assert client.get(f"/api/chat/{theirs.session.public_id}/files/{theirs.pk}/content/").status_code == 403
