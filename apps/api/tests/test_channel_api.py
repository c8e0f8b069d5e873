"""The API channel: POST /channels/api/<chatbot_id>/incoming_message."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.api.keys import create_api_key, revoke_api_key
from apps.chat.models import ChatMessage
from apps.experiments import actions
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import simple_chatbot
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


def url(chatbot, version=None) -> str:
    middle = f"v{version}/" if version else ""
    return f"/channels/api/{chatbot.public_id}/{middle}incoming_message"


def test_a_message_gets_a_reply_and_a_session_to_continue(api, chatbot, admin_user):
    with use_fake_llm("Hello!", "Again!") as fake:
        first = api.post(url(chatbot), {"message": "Hi"}, format="json")
        assert first.status_code == 200, first.json()
        body = first.json()
        assert body["response"] == "Hello!"
        assert body["attachments"] == []
        second = api.post(url(chatbot), {"message": "More", "session": body["session"]}, format="json")
    assert second.json() == {"response": "Again!", "attachments": [], "session": body["session"]}
    session = ExperimentSession.objects.get(public_id=body["session"])
    assert session.participant.identifier == admin_user.email
    assert session.platform == "api"
    assert [m.text for m in fake.calls[1][1:]] == ["Hi", "Hello!", "More"]


def test_bearer_auth_and_versioned_path(chatbot, api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    with use_fake_llm("v1 reply"):
        actions.create_chatbot_version(experiment=chatbot)
        response = client.post(url(chatbot, version=1), {"message": "Hi"}, format="json")
    assert response.status_code == 200
    assert client.post(url(chatbot, version=9), {"message": "Hi"}, format="json").status_code == 404


def test_message_id_makes_retries_safe(api, chatbot):
    with use_fake_llm("once") as fake:
        first = api.post(url(chatbot), {"message": "Hi", "message_id": "abc"}, format="json").json()
        again = api.post(
            url(chatbot), {"message": "Hi", "message_id": "abc", "session": first["session"]}, format="json"
        )
    assert again.json()["response"] == "once"
    assert len(fake.calls) == 1
    assert ChatMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"), [({}, "message"), ({"message": ""}, "message"), ({"message": ["x"]}, "message")]
)
def test_bad_input_is_a_field_error(api, chatbot, payload, field):
    response = api.post(url(chatbot), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_oversized_message_is_413(api, chatbot):
    assert api.post(url(chatbot), {"message": "x" * 10_001}, format="json").status_code == 413


def test_unknown_chatbot_or_session_is_404(api, chatbot):
    assert api.post("/channels/api/not-a-uuid/incoming_message", {"message": "x"}, format="json").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.post(f"/channels/api/{missing}/incoming_message", {"message": "x"}, format="json").status_code == 404
    response = api.post(url(chatbot), {"message": "x", "session": missing}, format="json")
    assert response.status_code == 404


def test_another_teams_key_sees_nothing(chatbot, other_team):
    _, other_key = create_api_key(team=other_team, name="other")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=other_key)
    assert client.post(url(chatbot), {"message": "Hi"}, format="json").status_code == 404


def test_missing_bad_or_revoked_keys_are_refused(chatbot, team):
    assert APIClient().post(url(chatbot), {"message": "Hi"}, format="json").status_code == 401
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="cs_nope.nope")
    assert client.post(url(chatbot), {"message": "Hi"}, format="json").status_code == 401
    key, raw = create_api_key(team=team, name="soon revoked")
    revoke_api_key(key=key)
    client.credentials(HTTP_X_API_KEY=raw)
    assert client.post(url(chatbot), {"message": "Hi"}, format="json").status_code == 401


def test_a_failing_bot_is_a_clear_502(api, chatbot):
    with use_fake_llm(errors.AuthenticationFailed("The API key for provider 'OpenAI' was rejected")):
        response = api.post(url(chatbot), {"message": "Hi"}, format="json")
    assert response.status_code == 502
    assert "was rejected" in response.json()["detail"]
    assert ChatMessage.objects.filter(message_type="human").count() == 1  # the message was kept


def test_rate_limits_answer_429_with_retry_after(api, chatbot, settings):
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES  # read once at import; the override below does not reset it
    rates = {"api_key": "1000/min", "api_session": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        with use_fake_llm():
            session = api.post(url(chatbot), {"message": "1"}, format="json").json()["session"]
            api.post(url(chatbot), {"message": "2", "session": session}, format="json")
            api.post(url(chatbot), {"message": "3", "session": session}, format="json")
            limited = api.post(url(chatbot), {"message": "4", "session": session}, format="json")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_create_api_key_command(team):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_key", team=team.slug, name="cli", stdout=out)
    raw = out.getvalue().strip()
    chatbot = simple_chatbot(team)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    with use_fake_llm("from the cli key"):
        assert client.post(url(chatbot), {"message": "Hi"}, format="json").json()["response"] == "from the cli key"


def test_a_new_session_reads_the_participant_and_their_data_in_one_query(api, chatbot, monkeypatch):
    """Starting a session per request (this channel without `session`, and every OpenAI-compatible
    call) must not cost a query per piece: the participant's data comes with the participant."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.conversations import bot
    from apps.participants.models import ParticipantData

    with use_fake_llm("first"):
        api.post(url(chatbot), {"message": "Hi"}, format="json")  # creates the participant and their data row
    ParticipantData.objects.filter(experiment=chatbot).update(data={"name": "Ama"})
    seen = []
    real_run = bot.run_pipeline
    monkeypatch.setattr(
        bot, "run_pipeline", lambda graph, run, *a, **kw: seen.append(run) or real_run(graph, run, *a, **kw)
    )
    with use_fake_llm("second"), CaptureQueriesContext(connection) as queries:
        response = api.post(url(chatbot), {"message": "Hello again"}, format="json")
    assert response.status_code == 200, response.json()
    assert seen[0].participant_data == {"name": "Ama"}
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if sql.startswith('SELECT "participants_participantdata"')]
    assert len([sql for sql in statements if 'FROM "participants_participant"' in sql]) == 1
