"""GET /api/experiments/ and /api/sessions/ in the v1 API's shapes."""

import pytest
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.chat.bot import respond
from apps.experiments import actions
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.utils.factories.experiments import session_for, simple_chatbot

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
    assert item["version_number"] == 1
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
