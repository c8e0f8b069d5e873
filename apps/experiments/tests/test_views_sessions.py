"""The Sessions tab and transcripts."""

import pytest

from apps.conversations.bot import respond
from apps.experiments.models import ExperimentSession
from apps.experiments.sessions import give_consent
from apps.experiments.tests.factories import session_for
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def sessions_url(team, chatbot) -> str:
    return f"/a/{team.slug}/chatbots/{chatbot.pk}/"


def transcript_url(team, chatbot, session) -> str:
    return f"/a/{team.slug}/chatbots/{chatbot.pk}/sessions/{session.public_id}/"


@pytest.fixture
def tagging_chatbot(chatbot):
    """Replies "Echo: <message>" and tags the reply, with no model involved."""
    pipeline = chatbot.pipeline
    graph = linear(node("t", "render_template", template_string="Echo: **{{ input }}**"))
    data = graph.to_dict()
    pipeline_actions.save_pipeline_data(pipeline=pipeline, data=data, expected_revision=pipeline.edit_revision)
    return chatbot


def test_sessions_table_and_filters(admin_client, team, tagging_chatbot):
    chatbot = tagging_chatbot
    ama = session_for(chatbot, identifier="ama@example.org")
    respond(ama, "Hi")
    kofi = session_for(chatbot, identifier="+233200000000", platform="whatsapp")
    kofi.status = ExperimentSession.Status.COMPLETE
    kofi.save()

    html = admin_client.get(sessions_url(team, chatbot)).content.decode()
    assert "ama@example.org" in html
    assert "+233200000000" in html
    assert transcript_url(team, chatbot, ama) in html
    assert "<td>2</td>" in html  # Ama's two messages

    html = admin_client.get(sessions_url(team, chatbot), {"status": "complete"}).content.decode()
    assert "+233200000000" in html
    assert "ama@example.org" not in html
    html = admin_client.get(sessions_url(team, chatbot), {"participant": "AMA@"}).content.decode()
    assert "ama@example.org" in html
    assert "+233200000000" not in html
    html = admin_client.get(sessions_url(team, chatbot), {"participant": "nobody"}).content.decode()
    assert "No matching sessions" in html
    assert admin_client.get(sessions_url(team, chatbot), {"status": "bogus"}).status_code == 200


def test_transcript(admin_client, team, tagging_chatbot):
    chatbot = tagging_chatbot
    session = session_for(chatbot, identifier="ama@example.org")
    give_consent(session=session)
    reply = respond(session, "Hi <b>there</b>").reply
    reply.tags = ["greeting"]
    reply.save()
    respond(session, "seed", hidden=True)
    html = admin_client.get(transcript_url(team, chatbot, session)).content.decode()
    assert 'data-message-type="human"' in html
    assert 'data-message-type="ai"' in html
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in html  # escaped, never rendered as HTML
    assert "greeting</span>" in html
    assert f'href="/a/{team.slug}/traces/{reply.metadata["trace_id"]}/"' in html
    assert ">seed<" not in html  # hidden messages (seed messages) are not shown


def test_transcripts_are_for_roles_that_read_chats_and_for_this_team(client, team, chatbot, other_team):
    session = session_for(chatbot)
    annotator = MembershipFactory(team=team, roles=[roles.EVENT_ADMIN]).user
    client.force_login(annotator)
    assert client.get(transcript_url(team, chatbot, session)).status_code == 403
    outsider = other_team.membership_set.first().user
    client.force_login(outsider)
    assert client.get(transcript_url(team, chatbot, session)).status_code == 404
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.get(transcript_url(team, chatbot, session)).status_code == 200
