"""The public link: consent, then chat with the published version, without an account."""

import pytest
from django.test import Client

from apps.chat.models import ChatMessage
from apps.experiments import actions
from apps.experiments.models import ConsentForm, ExperimentSession
from apps.experiments.tests.sse import read_events
from apps.experiments.views.public_views import ANONYMOUS_KEY
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


def link(chatbot, *parts) -> str:
    return f"/c/{chatbot.public_id}/" + "".join(f"{part}/" for part in parts)


def stream(client, chatbot, session, message="Hi", message_id="m1"):
    return client.post(link(chatbot, session.public_id, "stream"), {"message": message, "message_id": message_id})


@pytest.fixture
def consenting_chatbot(team, chatbot):
    chatbot.consent_form = ConsentForm.objects.create(
        team=team, name="Study", consent_text="We keep your messages for 30 days.", confirmation_text="I agree"
    )
    chatbot.save()
    return chatbot


def test_consent_then_chat_with_the_published_version(team, consenting_chatbot):
    chatbot = consenting_chatbot
    actions.create_chatbot_version(experiment=chatbot, publish=True)
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(link(chatbot))
    html = page.content.decode()
    assert "We keep your messages for 30 days." in html
    assert "Email address" in html
    assert "I agree" in html
    csrf = visitor.cookies["csrftoken"].value

    refused = visitor.post(link(chatbot, "start"), {"identifier": "not an email", "csrfmiddlewaretoken": csrf})
    assert refused.status_code == 400
    assert 'data-field-error="identifier"' in refused.content.decode()
    assert 'data-field-error="agree"' in refused.content.decode()

    started = visitor.post(
        link(chatbot, "start"), {"identifier": "ama@example.org", "agree": "on", "csrfmiddlewaretoken": csrf}
    )
    assert started["Location"] == link(chatbot)
    session = ExperimentSession.objects.get(experiment=chatbot)
    assert (session.participant.name, session.platform, session.status) == ("ama@example.org", "web", "active")
    assert session.participant.identifier.startswith("anonymous-")  # typing an email proves nothing
    html = visitor.get(link(chatbot)).content.decode()
    assert f"/c/{chatbot.public_id}/{session.public_id}/stream/" in html
    assert "chat.js" in html
    assert "/traces/" not in html  # traces are for the team only

    with use_fake_llm("Welcome, Ama"):
        response = visitor.post(
            link(chatbot, session.public_id, "stream"),
            {"message": "Hello", "message_id": "m1"},
            HTTP_X_CSRFTOKEN=csrf,
        )
        events = read_events(response)
    assert [name for name, _ in events] == ["token", "token", "done"]
    assert events[-1][1]["content"] == "Welcome, Ama"
    reply = ChatMessage.objects.get(chat=session.chat, message_type="ai")
    assert reply.metadata["version"] == 1  # the published version answered


def test_without_a_consent_form_the_visitor_is_anonymous_and_remembered(client, chatbot):
    html = client.get(link(chatbot)).content.decode()
    assert "Start chatting" in html
    assert "Email address" not in html
    client.post(link(chatbot, "start"))
    session = ExperimentSession.objects.get(experiment=chatbot)
    assert session.participant.identifier == client.session[ANONYMOUS_KEY]
    assert session.participant.identifier.startswith("anonymous-")
    with use_fake_llm("Hi!"):
        assert read_events(stream(client, chatbot, session))[-1][0] == "done"
    # The same browser comes back to the same conversation; "new" starts another one.
    assert "Hi!" in client.get(link(chatbot)).content.decode()
    assert "Start chatting" in client.get(link(chatbot) + "?new=1").content.decode()
    client.post(link(chatbot, "start"))
    second = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    assert second != session
    assert second.participant == session.participant


def test_a_stranger_cannot_stream_into_someone_elses_session(client, chatbot):
    client.post(link(chatbot, "start"))
    session = ExperimentSession.objects.get(experiment=chatbot)
    stranger = Client()
    assert stream(stranger, chatbot, session).status_code == 404
    stranger.post(link(chatbot, "start"))  # even with a session of their own
    assert stream(stranger, chatbot, session).status_code == 404
    assert not ChatMessage.objects.filter(chat=session.chat).exists()


def test_the_session_must_belong_to_the_chatbot_of_the_link(client, team, chatbot):
    from apps.experiments.tests.factories import simple_chatbot

    other = simple_chatbot(team, name="Other")
    client.post(link(chatbot, "start"))
    session = ExperimentSession.objects.get(experiment=chatbot)
    assert stream(client, other, session).status_code == 404


def test_allow_list_and_archived_chatbots(client, team, consenting_chatbot):
    chatbot = consenting_chatbot
    chatbot.participant_allowlist = ["ok@example.org"]
    chatbot.save()
    refused = client.post(link(chatbot, "start"), {"identifier": "no@example.org", "agree": "on"})
    assert refused.status_code == 400
    assert "allow-list" in refused.content.decode()
    assert client.post(link(chatbot, "start"), {"identifier": "OK@example.org", "agree": "on"}).status_code == 302
    actions.archive_chatbot(experiment=chatbot)
    assert client.get(link(chatbot)).status_code == 404
    assert Client().get("/c/00000000-0000-0000-0000-000000000001/").status_code == 404


def test_the_published_seed_message_opens_the_conversation(client, chatbot):
    chatbot.seed_message = "Greet the visitor"
    chatbot.save()
    client.post(link(chatbot, "start"))
    session = ExperimentSession.objects.get(experiment=chatbot)
    assert 'data-seed="true"' in client.get(link(chatbot)).content.decode()
    with use_fake_llm("Welcome!"):
        response = client.post(link(chatbot, session.public_id, "stream"), {"seed": "true", "message_id": "seed"})
        assert read_events(response)[-1][1]["content"] == "Welcome!"
    assert ChatMessage.objects.get(chat=session.chat, message_type="human").content == "Greet the visitor"


def _failed_reply(client, chatbot):
    from apps.service_providers import errors

    client.post(link(chatbot, "start"))
    session = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    failure = errors.ProviderError("HTTP 400: the request exceeds the available context size")
    with use_fake_llm(failure):
        return read_events(stream(client, chatbot, session))[-1]


def test_a_visitor_gets_a_friendly_error_with_a_reference_and_the_details_stay_on_the_trace(client, chatbot):
    from apps.trace.models import Trace

    kind, payload = _failed_reply(client, chatbot)
    assert kind == "error"
    trace = Trace.objects.get(team=chatbot.team)
    assert payload["message"] == f"Sorry, something went wrong. (Reference: trace {trace.pk})"
    assert "context size" in trace.error  # the team sees what happened on the trace


def test_a_team_member_on_the_public_link_sees_what_participants_see(admin_client, chatbot):
    # The public link shows what participants get; the team's own chat page shows the details
    # (test_views_chat.test_a_failing_model_sends_an_error_event_and_retry_reuses_the_message).
    kind, payload = _failed_reply(admin_client, chatbot)
    assert kind == "error"
    assert payload["message"].startswith("Sorry, something went wrong. (Reference: ")
    assert "context size" not in payload["message"]


def test_typing_someone_elses_identifier_does_not_reach_their_data(team, consenting_chatbot):
    # Ama chats first and the bot stores data about her; a stranger then types her email.
    from apps.participants.models import ParticipantData

    chatbot = consenting_chatbot
    ama = Client()
    ama.post(link(chatbot, "start"), {"identifier": "ama@example.org", "agree": "on"})
    ama_participant = ExperimentSession.objects.get(experiment=chatbot).participant
    ParticipantData.objects.create(team=team, participant=ama_participant, experiment=chatbot, data={"dob": "1990"})

    stranger = Client()
    assert stranger.post(link(chatbot, "start"), {"identifier": "ama@example.org", "agree": "on"}).status_code == 302
    theirs = ExperimentSession.objects.filter(experiment=chatbot).latest("id")
    assert theirs.participant != ama_participant
    assert theirs.participant.name == "ama@example.org"  # what they typed, for the team to see
    assert not ParticipantData.objects.filter(participant=theirs.participant).exists()

    # Ama's own browser, and Ama signed in as a member of the team, still reach her participant.
    ama.post(link(chatbot, "start") + "?new=1", {"identifier": "ama@example.org", "agree": "on"})
    assert ExperimentSession.objects.filter(experiment=chatbot).latest("id").participant == ama_participant


def test_a_signed_in_member_is_matched_by_their_account(team, consenting_chatbot, admin_client, admin_user):
    chatbot = consenting_chatbot
    from apps.participants.models import Participant

    mine = Participant.objects.create(team=team, platform="web", identifier=admin_user.email)
    admin_client.post(link(chatbot, "start"), {"identifier": admin_user.email, "agree": "on"})
    assert ExperimentSession.objects.filter(experiment=chatbot).latest("id").participant == mine


def test_a_stranger_typing_an_identifier_first_never_gets_its_owners_participant(team, consenting_chatbot):
    # The stranger comes before Ama has ever chatted; later Ama is reached through a verified path
    # (the widget's signed identity, a member's own chat), which looks up (team, "web", her email).
    from apps.participants.actions import get_or_create_participant
    from apps.participants.models import ParticipantData

    chatbot = consenting_chatbot
    stranger = Client()
    stranger.post(link(chatbot, "start"), {"identifier": "ama@example.org", "agree": "on"})
    strangers = ExperimentSession.objects.get(experiment=chatbot).participant
    assert strangers.identifier != "ama@example.org"

    ama = get_or_create_participant(team=team, platform="web", identifier="ama@example.org")
    assert ama != strangers
    ParticipantData.objects.create(team=team, participant=ama, experiment=chatbot, data={"dob": "1990"})

    stranger.post(link(chatbot, "start") + "?new=1", {"identifier": "ama@example.org", "agree": "on"})
    assert ExperimentSession.objects.filter(experiment=chatbot).latest("id").participant == strangers
