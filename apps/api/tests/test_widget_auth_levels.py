"""Each widget channel's auth level (ADR 0010), with the headers the published `open-chat-studio-widget`
0.6.0 sends: `x-ocs-widget-version` always, `X-Embed-Key` when given one, never `X-Session-Token`."""

import pytest
from rest_framework.test import APIClient

from apps.api.tests.test_widget_api import ORIGIN, require_session_tokens, start
from apps.channels.models import ExperimentChannel
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db
Level = ExperimentChannel.AuthLevel


def published_widget(origin=ORIGIN, embed_key=None) -> APIClient:
    """An API client sending exactly what the published widget's ChatSessionService sends."""
    client = APIClient()
    headers = {"HTTP_ORIGIN": origin, "HTTP_X_OCS_WIDGET_VERSION": "0.6.0"}
    if embed_key:
        headers["HTTP_X_EMBED_KEY"] = embed_key
    client.credentials(**headers)
    return client


def converse(client, chatbot, django_capture_on_commit_callbacks) -> list[int]:
    """Start, send, poll the task, poll the messages; the status codes on the way."""
    started = start(client, chatbot, session_data={"source": "widget"}, participant_remote_id="browser-id")
    if started.status_code != 201:
        return [started.status_code]
    session_id = started.json()["session_id"]
    with use_fake_llm("Hello from the bot"), django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/chat/{session_id}/message/", {"message": "Hi"}, format="json")
    if sent.status_code != 202:
        return [201, sent.status_code]
    task = client.get(f"/api/chat/{session_id}/{sent.json()['task_id']}/poll/")
    assert task.json() == {"status": "complete", "message": task.json()["message"]}
    assert task.json()["message"]["content"] == "Hello from the bot"
    messages = client.get(f"/api/chat/{session_id}/poll/")
    return [201, 202, task.status_code, messages.status_code]


def test_a_new_widget_channel_asks_for_the_embed_key_the_published_widget_sends(team, chatbot):
    channel = ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=[ORIGIN]
    )
    assert channel.auth_level == Level.EMBED_KEY


def test_embed_key_level_answers_the_published_widget(widget, chatbot, django_capture_on_commit_callbacks):
    client = published_widget(embed_key=widget.embed_key)
    assert converse(client, chatbot, django_capture_on_commit_callbacks) == [201, 202, 200, 200]
    # still: no key, a wrong key, or a site not listed is refused
    assert start(published_widget(), chatbot).status_code == 403
    assert start(published_widget(embed_key="wrong"), chatbot).status_code == 403
    assert start(published_widget("https://evil.example.com", widget.embed_key), chatbot).status_code == 403


def test_none_level_needs_no_key(widget, chatbot, django_capture_on_commit_callbacks):
    widget.auth_level = Level.NONE
    widget.save()
    assert converse(published_widget(), chatbot, django_capture_on_commit_callbacks) == [201, 202, 200, 200]
    # a key, when shown, is still checked, and a browser on a site the channel does not list is refused
    assert start(published_widget(embed_key="wrong"), chatbot).status_code == 403
    assert start(published_widget("https://evil.example.com"), chatbot).status_code == 403
    widget.allowed_origins = []  # no site listed: any site
    widget.save()
    assert start(published_widget("https://any.example.com"), chatbot).status_code == 201


def test_session_token_level_refuses_the_published_widget_after_the_start(
    widget, chatbot, django_capture_on_commit_callbacks
):
    require_session_tokens(widget)
    client = published_widget(embed_key=widget.embed_key)
    assert converse(client, chatbot, django_capture_on_commit_callbacks) == [201, 403]


def test_a_chatbot_without_a_widget_channel_answers_the_published_widget(chatbot, django_capture_on_commit_callbacks):
    assert converse(published_widget(), chatbot, django_capture_on_commit_callbacks) == [201, 202, 200, 200]


def test_an_open_channel_beside_a_keyed_one_lets_keyless_calls_in(widget, team, chatbot):
    ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Open", auth_level=Level.NONE
    )
    assert start(published_widget("https://any.example.com"), chatbot).status_code == 201
    # the keyed channel's key still binds its own sites
    assert start(published_widget("https://any.example.com", widget.embed_key), chatbot).status_code == 403


@pytest.mark.parametrize("path", ["/api/chat/start/", "/api/chat/00000000-0000-0000-0000-000000000000/message/stream/"])
def test_the_preflight_allows_every_header_the_published_widget_sends(widget, path):
    response = APIClient().options(
        path,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-embed-key,x-ocs-widget-version",
    )
    assert response.status_code == 200
    allowed = {name.strip().lower() for name in response["Access-Control-Allow-Headers"].split(",")}
    # Open Chat Studio's list; a browser refuses the call when any header it asks for is missing.
    assert {"content-type", "x-ocs-widget-version", "x-embed-key", "x-session-token", "authorization"} <= allowed


def test_the_auth_level_is_set_on_the_share_tab(admin_client, team, chatbot, widget):
    base = f"/a/{team.slug}/chatbots/{chatbot.pk}"
    share = admin_client.get(f"{base}/share/").content.decode()
    assert 'name="auth_level"' in share
    admin_client.post(f"{base}/channels/{widget.pk}/auth/", {"auth_level": "session_token"})
    widget.refresh_from_db()
    assert widget.auth_level == Level.SESSION_TOKEN
    response = admin_client.post(f"{base}/channels/{widget.pk}/auth/", {"auth_level": "open-sesame"}, follow=True)
    assert "Choose one of the listed authentication levels" in response.content.decode()
    widget.refresh_from_db()
    assert widget.auth_level == Level.SESSION_TOKEN
    admin_client.post(f"{base}/channels/widget/", {"name": "Open site", "auth_level": "none"})
    assert ExperimentChannel.objects.get(name="Open site").auth_level == Level.NONE


def test_the_auth_level_of_another_teams_channel_cannot_be_changed(admin_client, team, other_team):
    from apps.experiments.tests.factories import simple_chatbot

    theirs = simple_chatbot(other_team)
    channel = ExperimentChannel.objects.create(
        team=other_team, experiment=theirs, platform="embedded_widget", name="Theirs"
    )
    response = admin_client.post(
        f"/a/{team.slug}/chatbots/{theirs.pk}/channels/{channel.pk}/auth/", {"auth_level": "none"}
    )
    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.auth_level == Level.EMBED_KEY


@pytest.mark.parametrize("level", [Level.NONE, Level.EMBED_KEY])
def test_the_consent_form_still_comes_first_at_every_level(widget, team, chatbot, level):
    from apps.experiments.models import ConsentForm

    chatbot.consent_form = ConsentForm.objects.create(team=team, name="Study", consent_text="We keep messages.")
    chatbot.save()
    widget.auth_level = level
    widget.save()
    client = published_widget(embed_key=widget.embed_key if level == Level.EMBED_KEY else None)
    session_id = start(client, chatbot).json()["session_id"]
    refused = client.post(f"/api/chat/{session_id}/message/", {"message": "Hi"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required"
    # the page that collects consent needs no more than the widget's own headers at these levels
    accepted = client.post(f"/api/chat/{session_id}/consent/", {"consent": True}, format="json")
    assert accepted.json() == {"session_status": "active"}
