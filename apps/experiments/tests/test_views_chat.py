"""Chatting from the team pages: start a web session, stream replies over server-sent events."""

import pytest
from django.test import Client

from apps.chat.models import ChatMessage
from apps.experiments import actions
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.experiments.tests.sse import read_events
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def start_chat(client, team, chatbot, version: int = 0) -> ExperimentSession:
    response = client.post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/", {"version": version})
    session = ExperimentSession.objects.filter(experiment=chatbot).latest("created_at")
    assert response["Location"] == f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/"
    return session


def stream(client, team, chatbot, session, message="Hi", message_id="m1", **extra):
    url = f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/stream/"
    return client.post(url, {"message": message, "message_id": message_id, **extra})


def test_a_member_chats_and_the_reply_streams_token_by_token(admin_client, admin_user, team, chatbot):
    session = start_chat(admin_client, team, chatbot)
    assert (session.platform, session.participant.identifier, session.status) == ("web", admin_user.email, "active")
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/").content.decode()
    assert "chat.js" in page
    assert f"/chat/{session.public_id}/stream/" in page

    with use_fake_llm("Hello there, friend"):
        response = stream(admin_client, team, chatbot, session)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-cache"
        assert response["X-Accel-Buffering"] == "no"
        events = read_events(response)
    assert events[:-1] == [("token", {"text": "Hello"}), ("token", {"text": " there,"}), ("token", {"text": " friend"})]
    name, done = events[-1]
    reply = ChatMessage.objects.get(chat=session.chat, message_type="ai")
    assert name == "done"
    assert done == {
        "message_id": reply.pk,
        "trace_id": reply.metadata["trace_id"],
        "content": "Hello there, friend",
        "tags": [],
        "session_ended": False,
    }
    assert done["trace_id"] is not None
    # The next visit shows the conversation so far.
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/").content.decode()
    assert "Hello there, friend" in page
    assert f"/traces/{done['trace_id']}/" in page


def test_a_failing_model_sends_an_error_event_and_retry_reuses_the_message(admin_client, team, chatbot):
    session = start_chat(admin_client, team, chatbot)
    with use_fake_llm(errors.AuthenticationFailed("The API key for provider 'X' was rejected")):
        events = read_events(stream(admin_client, team, chatbot, session, message_id="same"))
    assert events[-1][0] == "error"
    assert "was rejected" in events[-1][1]["message"]
    with use_fake_llm("Recovered"):
        events = read_events(stream(admin_client, team, chatbot, session, message_id="same"))
    assert events[-1][0] == "done"
    assert events[-1][1]["content"] == "Recovered"
    assert ChatMessage.objects.filter(chat=session.chat, message_type="human").count() == 1


def test_chat_with_the_working_copy_or_a_chosen_version(admin_client, team, chatbot):
    actions.create_chatbot_version(experiment=chatbot, description="v1", publish=True)
    pipeline = chatbot.pipeline
    draft = linear(node("t", "render_template", template_string="draft says hi")).to_dict()
    pipeline_actions.save_pipeline_data(pipeline=pipeline, data=draft, expected_revision=pipeline.edit_revision)

    pinned = start_chat(admin_client, team, chatbot, version=1)
    assert pinned.version_number == 1
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{pinned.public_id}/").content.decode()
    assert 'data-testid="chat-version">Version 1<' in page
    with use_fake_llm("From v1"):
        events = read_events(stream(admin_client, team, chatbot, pinned))
    assert events[-1][1]["content"] == "From v1"
    assert ChatMessage.objects.get(chat=pinned.chat, message_type="ai").metadata["version"] == 1

    # The working copy, although version 1 is the one published to channels.
    working = start_chat(admin_client, team, chatbot)
    assert working.version_number is None
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{working.public_id}/").content.decode()
    assert 'data-testid="chat-version">Working copy<' in page
    assert read_events(stream(admin_client, team, chatbot, working))[-1][1]["content"] == "draft says hi"

    assert admin_client.post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/", {"version": 9}).status_code == 404


def test_a_new_conversation_opens_with_the_reply_to_the_seed_message(admin_client, team, chatbot):
    chatbot.seed_message = "Introduce yourself"
    chatbot.save()
    session = start_chat(admin_client, team, chatbot)
    page_url = f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/"
    assert 'data-seed="true"' in admin_client.get(page_url).content.decode()
    with use_fake_llm("Hi, I help with clinic visits."):
        events = read_events(stream(admin_client, team, chatbot, session, message="", seed="true"))
    assert events[-1][1]["content"] == "Hi, I help with clinic visits."
    seed = ChatMessage.objects.get(chat=session.chat, message_type="human")
    assert (seed.content, seed.metadata["hidden"]) == ("Introduce yourself", True)
    page = admin_client.get(page_url).content.decode()
    assert 'data-seed="false"' in page
    assert "Introduce yourself" not in page


def test_bad_input_is_an_error_event(admin_client, team, chatbot):
    session = start_chat(admin_client, team, chatbot)
    response = stream(admin_client, team, chatbot, session, message="")
    assert response.status_code == 400
    assert read_events(response)[0][0] == "error"
    assert admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/stream/").status_code == 405


def test_another_teams_chatbot_or_session_is_404(admin_client, team, chatbot, other_team):
    session = start_chat(admin_client, team, chatbot)
    outsider = Client()
    outsider.force_login(other_team.membership_set.first().user)
    assert stream(outsider, team, chatbot, session).status_code == 404
    assert Client().post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/stream/").status_code == 302
    # A chatbot of another team, addressed through our team's URL.
    foreign = simple_chatbot(other_team)
    assert stream(admin_client, team, foreign, session).status_code == 404
    # A session of another chatbot, or a participant's (non-web) session, cannot be typed into from here.
    assert stream(admin_client, team, simple_chatbot(team, name="Other"), session).status_code == 404
    assert stream(admin_client, team, chatbot, session_for(chatbot)).status_code == 404


def test_viewers_cannot_chat(client, team, chatbot):
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.post(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/").status_code == 403
