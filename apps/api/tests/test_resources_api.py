"""GET /api/experiments/ and /api/sessions/ in the v1 API's shapes."""

import json

import pytest
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.conversations.bot import respond
from apps.experiments import actions
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


def test_list_and_retrieve_chatbots(api, chatbot, team, other_team):
    simple_chatbot(other_team, name="Not ours")
    with use_fake_llm():
        actions.create_chatbot_version(experiment=chatbot, description="first", publish=True)
    body = api.get("/api/experiments/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == str(chatbot.public_id)
    assert item["name"] == "Helper"
    # Open Chat Studio's number: the working copy's, which the next version takes.
    assert item["version_number"] == 2
    assert item["versions"] == [
        {"name": "Helper", "version_number": 1, "is_default_version": True, "version_description": "first"}
    ]
    assert item["url"].endswith(f"/api/experiments/{chatbot.public_id}/")
    assert api.get(f"/api/experiments/{chatbot.public_id}/").json()["id"] == str(chatbot.public_id)
    assert api.get("/api/experiments/nope/").status_code == 404


def test_sessions_with_messages(api, chatbot, team, other_team):
    session = session_for(chatbot)
    with use_fake_llm("Hello there"):
        respond(session, "Hi")
    session_for(simple_chatbot(other_team))
    listing = api.get("/api/sessions/").json()
    assert [s["id"] for s in listing["results"]] == [str(session.public_id)]
    assert listing["results"][0]["status"] == "active"
    assert listing["results"][0]["team"] == {"name": team.name, "slug": team.slug}
    assert api.get(f"/api/sessions/?experiment={chatbot.public_id}").json()["count"] == 1
    detail = api.get(f"/api/sessions/{session.public_id}/").json()
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [("user", "Hi"), ("assistant", "Hello there")]
    assert detail["usage"]["by_model"][0]["model_name"] == "gpt-4o-mini"


def test_another_teams_session_is_404(chatbot, other_team):
    session = session_for(chatbot)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=create_api_key(team=other_team, name="x")[1])
    assert client.get(f"/api/sessions/{session.public_id}/").status_code == 404
    assert client.get("/api/sessions/").json()["count"] == 0


def test_create_a_session_with_earlier_messages_and_state(api, chatbot, team, other_team):
    body = {
        "experiment": str(chatbot.public_id),
        "participant": "+27820000001",
        "messages": [
            {"role": "system", "content": "Imported from the clinic system"},
            {"role": "user", "content": "I need an appointment"},
            {"role": "assistant", "content": "Which day suits you?"},
        ],
        "state": {"clinic": "Soweto"},
    }
    response = api.post("/api/sessions/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["participant"]["identifier"] == "+27820000001"
    assert (created["platform"], created["state"], created["status"]) == ("api", {"clinic": "Soweto"}, "active")
    assert created["experiment"]["id"] == str(chatbot.public_id)
    detail = api.get(f"/api/sessions/{created['id']}/").json()
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [
        (t["role"], t["content"]) for t in body["messages"]
    ]
    # The API channel continues it, with those turns as history.
    with use_fake_llm("Tuesday works") as fake:
        reply = api.post(
            f"/channels/api/{chatbot.public_id}/incoming_message",
            {"message": "Tuesday?", "session": created["id"]},
            format="json",
        )
    assert reply.json()["response"] == "Tuesday works"
    assert [m.text for m in fake.calls[0][1:]] == ["I need an appointment", "Which day suits you?", "Tuesday?"]
    # Without a participant the session is the key's own; another team's chatbot is unknown.
    own = api.post("/api/sessions/", {"experiment": str(chatbot.public_id)}, format="json").json()
    assert own["participant"]["identifier"] == api_participant(api)
    other = simple_chatbot(other_team)
    assert api.post("/api/sessions/", {"experiment": str(other.public_id)}, format="json").status_code == 404


def api_participant(api) -> str:
    from apps.experiments.models import ExperimentSession

    return ExperimentSession.objects.filter(platform="api").latest("id").participant.identifier


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "experiment"),
        ({"experiment": "not-a-uuid"}, "experiment"),
        ({"experiment": "CHATBOT", "messages": [{"role": "robot", "content": "x"}]}, "messages"),
        ({"experiment": "CHATBOT", "messages": [{"role": "user"}]}, "messages"),
        ({"experiment": "CHATBOT", "state": ["not", "an", "object"]}, "state"),
        ({"experiment": "CHATBOT", "state": {"note": "a\u0000b"}}, "state"),  # jsonb takes no NUL
        ({"experiment": "CHATBOT", "state": {"\ud800": 1}}, "state"),  # nor an unpaired surrogate
        ({"experiment": "CHATBOT", "messages": [{"role": "user", "content": "a\u0000b"}]}, "messages"),
        ({"experiment": "CHATBOT", "messages": None}, "messages"),
    ],
)
def test_bad_session_requests_name_the_field(api, chatbot, body, field):
    if body.get("experiment") == "CHATBOT":
        body = {**body, "experiment": str(chatbot.public_id)}
    # As a client's JSON text, which escapes what UTF-8 cannot carry (an unpaired surrogate).
    response = api.post("/api/sessions/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_session_whose_messages_fail_to_store_is_not_left_behind(api, chatbot, monkeypatch):
    from apps.api.views import resources_api
    from apps.experiments.models import ExperimentSession

    def failing(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(resources_api, "add_messages", failing)
    body = {"experiment": str(chatbot.public_id), "messages": [{"role": "user", "content": "Hi"}]}
    with pytest.raises(RuntimeError):
        api.post("/api/sessions/", body, format="json")
    assert not ExperimentSession.objects.exists()  # the session and its chat were rolled back with it


def test_deeply_nested_state_is_checked_without_recursion(api, chatbot):
    depth = 600  # two stack frames a level would have passed Python's recursion limit
    state = '{"nested":' * depth + '{"note": "a\\u0000b"}' + "}" * depth
    body = f'{{"experiment": "{chatbot.public_id}", "state": {state}}}'
    response = api.post("/api/sessions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "state" in response.json()


def test_odd_filter_values_are_400s(api, chatbot):
    for query in ("?versions=%C2%B2", "?versions=99999999999", "?tags=a%00b"):
        response = api.get(f"/api/sessions/{query}")
        assert response.status_code == 400, query


def test_update_state_refuses_what_jsonb_cannot_store(api, chatbot):
    session = session_for(chatbot)
    response = api.patch(f"/api/sessions/{session.public_id}/update_state/", {"state": {"a": "\u0000"}}, format="json")
    assert response.status_code == 400
    assert "state" in response.json()


def test_allow_list_refuses_other_participants(api, chatbot):
    chatbot.participant_allowlist = ["+27820000001"]
    chatbot.save()
    refused = api.post("/api/sessions/", {"experiment": str(chatbot.public_id), "participant": "+1555"}, format="json")
    assert refused.status_code == 403


def test_sessions_filtered_by_tags_versions_and_ordered(api, chatbot):
    from apps.experiments.sessions import add_session_tags

    with use_fake_llm():
        actions.create_chatbot_version(experiment=chatbot, description="first", publish=True)
    first, second, third = (session_for(chatbot, identifier=f"p{n}@example.org") for n in range(3))
    add_session_tags(session=first, tags=["urgent"])
    add_session_tags(session=second, tags=["followup", "urgent"])
    with use_fake_llm("answered by version 1"):
        respond(third, "Hi")

    def ids(query: str) -> list[str]:
        response = api.get(f"/api/sessions/{query}")
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    newest_first = [str(s.public_id) for s in (third, second, first)]
    assert ids("") == newest_first
    assert ids("?ordering=created_at") == newest_first[::-1]
    assert ids("?tags=urgent") == newest_first[1:]
    assert ids("?tags=followup,other") == [str(second.public_id)]
    assert ids("?versions=1") == [str(third.public_id)]
    assert ids("?versions=2") == []
    assert api.get("/api/sessions/?versions=one").status_code == 400
    assert len(ids("?page_size=1")) == 1
