"""`/api/participants`: list with data per chatbot (GET), create or update with data (POST)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.experiments.tests.factories import simple_chatbot
from apps.participants import actions
from apps.participants.actions import get_or_create_participant
from apps.participants.models import Participant, ParticipantData

pytestmark = pytest.mark.django_db
URL = "/api/participants"
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def test_create_participant_with_data(api, chatbot, team):
    second = simple_chatbot(team, name="Adherence")
    body = {
        "identifier": "part1",
        "name": "John",
        "platform": "api",
        "data": [
            {"experiment": str(chatbot.public_id), "data": {"name": "John"}},
            {
                "experiment": str(second.public_id),
                "data": {"name": "Doe"},
                "schedules": [{"id": "sched1", "name": "S", "date": "2022-01-01T00:00:00Z", "prompt": "P"}],
            },
        ],
    }
    response = api.post(URL, body, format="json")
    assert response.status_code == 200
    participant = Participant.objects.get(team=team, platform="api", identifier="part1")
    assert response.json() == {
        "id": str(participant.public_id),
        "identifier": "part1",
        "name": "John",
        "platform": "api",
        "remote_id": "",
        "data": [
            {
                "chatbot": "Adherence",
                "chatbot_id": str(second.public_id),
                "data": {"name": "Doe"},
                "connect_channel_id": None,
            },
            {
                "chatbot": "Helper",
                "chatbot_id": str(chatbot.public_id),
                "data": {"name": "John"},
                "connect_channel_id": None,
            },
        ],
    }
    assert ParticipantData.objects.get(participant=participant, experiment=chatbot).data == {"name": "John"}


def test_update_replaces_data_and_keeps_what_is_not_named(api, chatbot, team):
    participant = get_or_create_participant(team=team, platform="telegram", identifier="555", name="Ama")
    actions.set_participant_data(participant=participant, chatbot=chatbot, data={"old": True})
    other = simple_chatbot(team, name="Other")
    actions.set_participant_data(participant=participant, chatbot=other, data={"kept": 1})
    response = api.post(
        URL,
        {
            "identifier": "555",
            "platform": "telegram",
            "data": [{"experiment": str(chatbot.public_id), "data": {"new": 1}}],
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Ama"  # no name given: unchanged
    assert {entry["chatbot"]: entry["data"] for entry in response.json()["data"]} == {
        "Helper": {"new": 1},
        "Other": {"kept": 1},
    }
    # Without `data` for a chatbot, its data is left as it is (created empty when new).
    third = simple_chatbot(team, name="Third")
    body = {
        "identifier": "555",
        "platform": "telegram",
        "name": "Ama K.",
        "data": [{"experiment": str(chatbot.public_id)}, {"experiment": str(third.public_id)}],
    }
    response = api.post(URL, body, format="json").json()
    assert response["name"] == "Ama K."
    assert {entry["chatbot"]: entry["data"] for entry in response["data"]} == {
        "Helper": {"new": 1},
        "Other": {"kept": 1},
        "Third": {},
    }
    assert Participant.objects.filter(team=team, identifier="555").count() == 1


def test_platform_defaults_to_api(api, chatbot, team):
    response = api.post(URL, {"identifier": "x-1", "data": []}, format="json")
    assert response.status_code == 200
    assert response.json()["platform"] == "api"
    assert response.json()["data"] == []


def test_the_trailing_slash_alias_answers_too(api, chatbot, team):
    """Open Chat Studio keeps `/api/participants/` as an alias, and clients post there."""
    response = api.post(URL + "/", {"identifier": "x-2", "data": []}, format="json")
    assert response.status_code == 200
    assert response.json()["identifier"] == "x-2"
    assert api.get(URL + "/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": []}, "identifier"),
        ({"identifier": "  ", "data": []}, "identifier"),
        ({"identifier": "p"}, "data"),
        ({"identifier": "p", "data": "x"}, "data"),
        ({"identifier": "p", "platform": "carrier-pigeon", "data": []}, "platform"),
        ({"identifier": "p", "name": "n" * 201, "data": []}, "name"),
        ({"identifier": "p", "data": [{}]}, "data"),
        ({"identifier": "p", "data": [{"experiment": "not-a-uuid"}]}, "data"),
        ({"identifier": "p", "data": [{"experiment": UNKNOWN, "data": [1, 2]}]}, "data"),
        ({"identifier": "p", "data": [{"experiment": UNKNOWN, "schedules": [{"date": "soon"}]}]}, "data"),
    ],
)
def test_bad_input_is_a_field_error(api, body, field):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Participant.objects.exists()


def test_unknown_or_other_teams_chatbots_are_404_and_nothing_is_written(api, chatbot, other_team):
    theirs = simple_chatbot(other_team)
    for public_id in [UNKNOWN, str(theirs.public_id)]:
        body = {
            "identifier": "p",
            "data": [{"experiment": str(chatbot.public_id), "data": {"a": 1}}, {"experiment": public_id}],
        }
        response = api.post(URL, body, format="json")
        assert response.status_code == 404
        assert response.json() == {"errors": [{"message": f"Experiment {public_id} not found"}]}
    assert not Participant.objects.exists()
    assert not ParticipantData.objects.exists()


def test_list_with_filters_and_pages(api, chatbot, team, other_team):
    other_bot = simple_chatbot(team, name="Other")
    ama = get_or_create_participant(team=team, platform="telegram", identifier="555", name="Ama")
    kofi = get_or_create_participant(team=team, platform="api", identifier="kofi")
    get_or_create_participant(team=team, platform="web", identifier="anon")
    actions.set_participant_data(participant=ama, chatbot=chatbot, data={"lang": "tw"})
    actions.set_participant_data(participant=ama, chatbot=other_bot, data={"x": 1})
    actions.set_participant_data(participant=kofi, chatbot=other_bot, data={})
    get_or_create_participant(team=other_team, platform="api", identifier="kofi")

    listing = api.get(URL).json()
    assert listing["count"] == 3
    assert {p["identifier"] for p in listing["results"]} == {"555", "kofi", "anon"}
    [entry] = api.get(URL, {"identifier": "555"}).json()["results"]
    assert entry["id"] == str(ama.public_id)
    assert [d["chatbot_id"] for d in entry["data"]] == [str(chatbot.public_id), str(other_bot.public_id)]
    assert [p["identifier"] for p in api.get(URL, {"platform": "api"}).json()["results"]] == ["kofi"]
    by_chatbot = api.get(URL, {"chatbot": str(chatbot.public_id)}).json()
    assert [p["identifier"] for p in by_chatbot["results"]] == ["555"]
    assert [d["chatbot"] for d in by_chatbot["results"][0]["data"]] == ["Helper"]  # only that chatbot's data
    assert api.get(URL, {"chatbot": UNKNOWN}).json()["count"] == 0
    bad = api.get(URL, {"chatbot": "nope"})
    assert bad.status_code == 400
    assert "chatbot" in bad.json()

    first = api.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    rest = api.get(first["next"]).json()
    assert "count" not in rest
    assert len(rest["results"]) == 1
    seen = {p["identifier"] for p in first["results"] + rest["results"]}
    assert seen == {"555", "kofi", "anon"}


def test_another_team_sees_none_of_ours(chatbot, team, other_team):
    participant = get_or_create_participant(team=team, platform="api", identifier="kofi")
    actions.set_participant_data(participant=participant, chatbot=chatbot, data={"secret": 1})
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=create_api_key(team=other_team, name="theirs")[1])
    assert client.get(URL).json() == {"next": None, "previous": None, "results": [], "count": 0}
    assert client.get(URL, {"chatbot": str(chatbot.public_id)}).json()["results"] == []
    # Naming our chatbot from their key: 404, and our participant is untouched.
    body = {"identifier": "kofi", "data": [{"experiment": str(chatbot.public_id), "data": {"secret": 2}}]}
    assert client.post(URL, body, format="json").status_code == 404
    assert ParticipantData.objects.get(participant=participant).data == {"secret": 1}


def test_keys_are_required_and_requests_throttled(team, monkeypatch):
    assert APIClient().get(URL).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_X_API_KEY="cs_nope.nope")
    assert bad.post(URL, {"identifier": "p", "data": []}, format="json").status_code == 401
    assert not Participant.objects.exists()

    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api_key": "2/min", "api_session": "60/min"})
    cache.clear()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=create_api_key(team=team, name="limited")[1])
    try:
        statuses = [client.get(URL).status_code for _ in range(3)]
    finally:
        cache.clear()
    assert statuses == [200, 200, 429]
