"""The web chat pages' uploads: a per-session rate limit (429 with Retry-After), and the attach button
and uploads following the version the page talks to."""

import pytest
from django.core.cache import cache
from django.test import Client

from apps.experiments import actions
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.test_chat_uploads import team_chat
from apps.files.models import File
from apps.files.testing import upload
from apps.files.web import SessionUploadThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chatbot(chatbot):
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return chatbot


def public_visitor(chatbot) -> tuple[Client, ExperimentSession, str]:
    visitor = Client()
    visitor.post(f"/c/{chatbot.public_id}/start/")
    session = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    return visitor, session, f"/c/{chatbot.public_id}/{session.public_id}/upload/"


def test_the_team_chat_upload_is_rate_limited_per_session(admin_client, team, chatbot, settings):
    settings.FILE_UPLOADS_PER_SESSION_PER_MINUTE = 2
    _, base = team_chat(admin_client, team, chatbot)
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 201
    assert admin_client.post(f"{base}upload/", {"files": [upload("x.exe", b"MZ", "x/y")]}).status_code == 400
    refused = admin_client.post(f"{base}upload/", {"files": [upload()]})
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many uploads in this conversation; try again in a minute"}
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert File.objects.count() == 1
    # Another conversation has its own allowance.
    _, other = team_chat(admin_client, team, chatbot)
    assert admin_client.post(f"{other}upload/", {"files": [upload()]}).status_code == 201


def test_the_public_link_upload_is_rate_limited_per_session(chatbot, settings):
    settings.FILE_UPLOADS_PER_SESSION_PER_MINUTE = 1
    visitor, _, url = public_visitor(chatbot)
    assert visitor.post(url, {"files": [upload()]}).status_code == 201
    refused = visitor.post(url, {"files": [upload()]})
    assert refused.status_code == 429
    assert "detail" in refused.json()
    assert refused["Retry-After"].isdigit()


@pytest.fixture
def clock(monkeypatch):
    """The upload throttle's clock (DRF's `timer`), moved by hand."""
    now = [1_000_000.0]
    monkeypatch.setattr(SessionUploadThrottle, "timer", staticmethod(lambda: now[0]))
    return now


def test_the_default_allows_ten_uploads_a_minute(chatbot, clock):
    visitor, _, url = public_visitor(chatbot)
    statuses = [visitor.post(url, {"files": [upload(f"{n}.txt")]}).status_code for n in range(11)]
    assert statuses == [201] * 10 + [429]


def test_the_limit_is_counted_per_minute(admin_client, team, chatbot, settings, clock):
    settings.FILE_UPLOADS_PER_SESSION_PER_MINUTE = 2
    session, base = team_chat(admin_client, team, chatbot)
    clock[0] = 60 * 20_000 + 10  # 10 s into a minute
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 201
    clock[0] += 20
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 201
    refused = admin_client.post(f"{base}upload/", {"files": [upload()]})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"  # when this minute ends
    assert File.objects.filter(session=session).count() == 2
    clock[0] += 30.5  # the next minute
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 201


def test_parallel_uploads_cannot_all_pass(team, chatbot, settings, monkeypatch):
    # DRF's own throttle reads the request history, then writes it back: requests that all read it
    # before any writes all pass. A slow read widens that window for every thread here.
    import threading
    import time

    from django.core.cache.backends.locmem import LocMemCache

    from apps.experiments.tests.factories import session_for
    from apps.files.exceptions import TooManyUploads
    from apps.files.web import check_upload_rate

    settings.FILE_UPLOADS_PER_SESSION_PER_MINUTE = 3
    real_get = LocMemCache.get  # each thread has its own cache object: patch them all

    def slow_get(self, *args, **kwargs):
        value = real_get(self, *args, **kwargs)
        time.sleep(0.2)  # between reading the count and writing it back, where the other threads read it too
        return value

    monkeypatch.setattr(LocMemCache, "get", slow_get)
    session = session_for(chatbot, identifier="p@example.org")
    allowed = []

    def upload_request():
        try:
            check_upload_rate(None, session)
        except TooManyUploads:
            return
        allowed.append(1)

    threads = [threading.Thread(target=upload_request) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 3, allowed


def test_the_public_link_follows_the_published_version(chatbot):
    actions.create_chatbot_version(experiment=chatbot, publish=True)  # takes files
    chatbot.file_uploads_enabled = False  # not published yet
    chatbot.save()
    visitor, session, url = public_visitor(chatbot)
    assert f'data-upload-url="{url}"' in visitor.get(f"/c/{chatbot.public_id}/").content.decode()
    assert visitor.post(url, {"files": [upload()]}).status_code == 201

    chatbot.file_uploads_enabled = True  # the working copy takes files, the published version does not
    chatbot.save()
    off = actions.create_chatbot_version(experiment=chatbot)
    off.file_uploads_enabled = False
    off.save()
    actions.publish_version(version=off)
    assert "data-chat-attach" not in visitor.get(f"/c/{chatbot.public_id}/").content.decode()
    refused = visitor.post(url, {"files": [upload()]})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "File uploads are not enabled for this chatbot"}


def test_the_team_chat_follows_the_version_it_talks_to(admin_client, team, chatbot):
    off = actions.create_chatbot_version(experiment=chatbot, publish=True)
    off.file_uploads_enabled = False
    off.save()
    # With the working copy (takes files), though the published version does not.
    _, base = team_chat(admin_client, team, chatbot)
    assert "data-chat-attach" in admin_client.get(base).content.decode()
    assert admin_client.post(f"{base}upload/", {"files": [upload()]}).status_code == 201
    # Pinned to the version that does not.
    admin_client.post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/", {"version": off.version_number})
    pinned = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    assert pinned.version_number == off.version_number
    pinned_base = f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{pinned.public_id}/"
    assert "data-chat-attach" not in admin_client.get(pinned_base).content.decode()
    assert admin_client.post(f"{pinned_base}upload/", {"files": [upload()]}).status_code == 403


def test_the_widget_snippet_offers_attachments_when_the_served_version_takes_files(admin_client, team, chatbot):
    share = f"/a/{team.slug}/chatbots/{chatbot.pk}/share/"
    assert 'allow-attachments="true"' in admin_client.get(share).content.decode()
    off = actions.create_chatbot_version(experiment=chatbot)
    off.file_uploads_enabled = False
    off.save()
    actions.publish_version(version=off)
    assert 'allow-attachments="true"' not in admin_client.get(share).content.decode()
