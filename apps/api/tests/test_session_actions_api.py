"""Changing sessions through the API: end, tags (add and remove), state (merge)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.conversations.bot import BotError, respond
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot

pytestmark = pytest.mark.django_db
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def session(chatbot):
    return session_for(chatbot)


@pytest.fixture
def theirs(other_team):
    return session_for(simple_chatbot(other_team))


def test_end_a_session(api, session):
    response = api.post(f"/api/sessions/{session.public_id}/end_experiment_session/")
    assert response.status_code == 200
    assert response.content == b""
    session.refresh_from_db()
    assert session.status == ExperimentSession.Status.COMPLETE
    ended_at = session.ended_at
    assert ended_at is not None
    assert api.get(f"/api/sessions/{session.public_id}/").json()["status"] == "complete"
    assert api.post(f"/api/sessions/{session.public_id}/end_experiment_session/").status_code == 200
    session.refresh_from_db()
    assert session.ended_at == ended_at  # ending it again changes nothing
    with pytest.raises(BotError):
        respond(session, "Still there?")


def test_add_and_remove_tags(api, session):
    url = f"/api/sessions/{session.public_id}/tags/"
    added = api.post(url, {"tags": ["reviewed", "important"]}, format="json")
    assert added.status_code == 200
    assert added.json() == {"tags": ["important", "reviewed"]}
    assert api.post(url, {"tags": ["important", "follow-up"]}, format="json").json() == {
        "tags": ["follow-up", "important", "reviewed"]
    }
    removed = api.delete(url, {"tags": ["important", "never-there"]}, format="json")
    assert removed.status_code == 200
    assert removed.json() == {"tags": ["follow-up", "reviewed"]}
    session.refresh_from_db()
    assert session.tags == ["follow-up", "reviewed"]
    assert api.get(f"/api/sessions/{session.public_id}/").json()["tags"] == ["follow-up", "reviewed"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tags": "important"},
        {"tags": []},
        {"tags": [""]},
        {"tags": ["  "]},
        {"tags": [{"a": 1}]},
        {"tags": ["x" * 101]},
    ],
)
def test_bad_tags_are_field_errors(api, session, body):
    url = f"/api/sessions/{session.public_id}/tags/"
    for method in (api.post, api.delete):
        response = method(url, body, format="json")
        assert response.status_code == 400
        assert "tags" in response.json()
    session.refresh_from_db()
    assert session.tags == []


def test_tags_need_json(api, session):
    response = api.post(f"/api/sessions/{session.public_id}/tags/", {"tags": "a"})  # multipart
    assert response.status_code == 415


def test_update_state_merges(api, session):
    session.state = {"step": 1, "language": "en"}
    session.save()
    url = f"/api/sessions/{session.public_id}/update_state/"
    response = api.patch(url, {"state": {"step": 2, "score": {"a": 1}}}, format="json")
    assert response.status_code == 200
    assert response.json() == {"success": True, "state": {"step": 2, "language": "en", "score": {"a": 1}}}
    session.refresh_from_db()
    assert session.state == {"step": 2, "language": "en", "score": {"a": 1}}
    assert api.post(url, {"state": {}}, format="json").status_code == 405


@pytest.mark.parametrize("body", [{}, {"state": None}, {"state": "x"}, {"state": [1, 2]}, {"data": {"a": 1}}])
def test_bad_state_is_a_field_error(api, session, body):
    response = api.patch(f"/api/sessions/{session.public_id}/update_state/", body, format="json")
    assert response.status_code == 400
    assert "state" in response.json()


def requests_for(session_id):
    return [
        ("post", f"/api/sessions/{session_id}/end_experiment_session/", None),
        ("post", f"/api/sessions/{session_id}/tags/", {"tags": ["x"]}),
        ("delete", f"/api/sessions/{session_id}/tags/", {"tags": ["x"]}),
        ("patch", f"/api/sessions/{session_id}/update_state/", {"state": {"x": 1}}),
    ]


def test_unknown_and_other_teams_sessions_are_404(api, theirs):
    theirs.tags = ["x"]
    theirs.save()
    for session_id in [UNKNOWN, "not-a-uuid", theirs.public_id]:
        for method, url, body in requests_for(session_id):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 404, (method, url)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.tags, theirs.state) == (ExperimentSession.Status.ACTIVE, ["x"], {})


def test_keys_are_required(session):
    anonymous = APIClient()
    bad = APIClient()
    bad.credentials(HTTP_X_API_KEY="cs_nope.nope")
    for client in (anonymous, bad):
        for method, url, body in requests_for(session.public_id):
            assert getattr(client, method)(url, body, format="json").status_code == 401
    session.refresh_from_db()
    assert session.status == ExperimentSession.Status.ACTIVE


def test_throttled_per_key(session, team, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api_key": "4/min", "api_session": "60/min"})
    cache.clear()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=create_api_key(team=team, name="limited")[1])
    try:
        statuses = [
            getattr(client, m)(url, body, format="json").status_code for m, url, body in requests_for(session.public_id)
        ]
        limited = client.post(f"/api/sessions/{session.public_id}/tags/", {"tags": ["y"]}, format="json")
    finally:
        cache.clear()
    assert statuses == [200, 200, 200, 200]
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
