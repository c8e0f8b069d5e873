"""Transcripts: AI replies rendered as markdown, and the download as markdown or CSV."""

import csv
import io

import pytest

from apps.chat.models import ChatMessage
from apps.conversations.bot import respond
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def transcript_url(team, chatbot, session) -> str:
    return f"/a/{team.slug}/chatbots/{chatbot.pk}/sessions/{session.public_id}/"


def download_url(team, chatbot, session, fmt: str = "") -> str:
    return transcript_url(team, chatbot, session) + "download/" + (f"?format={fmt}" if fmt else "")


@pytest.fixture
def conversation(chatbot):
    """A session whose bot replied "Echo: **Hi**" (a render-template pipeline, no model) and a
    hidden seed message."""
    pipeline = chatbot.pipeline
    data = linear(node("t", "render_template", template_string="Echo: **{{ input }}**")).to_dict()
    pipeline_actions.save_pipeline_data(pipeline=pipeline, data=data, expected_revision=pipeline.edit_revision)
    session = session_for(chatbot, identifier="ama@example.org")
    reply = respond(session, "=SUM(1,2)").reply
    reply.tags = ["greeting"]
    reply.save()
    respond(session, "secret seed", hidden=True)
    return session


def test_ai_messages_are_marked_for_markdown_and_downloads_are_linked(admin_client, team, chatbot, conversation):
    html = admin_client.get(transcript_url(team, chatbot, conversation)).content.decode()
    assert '<div class="chat-bubble" data-render-markdown>Echo: **=SUM(1,2)**</div>' in html
    assert 'chat-bubble-primary">=SUM(1,2)</div>' in html  # the participant's text stays plain
    assert f'href="{download_url(team, chatbot, conversation)}"' in html
    assert f'href="{download_url(team, chatbot, conversation, "csv")}"' in html


def test_download_markdown(admin_client, team, chatbot, conversation):
    response = admin_client.get(download_url(team, chatbot, conversation))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="transcript-helper-{conversation.public_id}.md"')
    text = response.content.decode()
    assert text.startswith("# Transcript: Helper\n")
    assert "- Participant: ama@example.org (api)" in text
    assert "**ama@example.org** · " in text
    assert "\n=SUM(1,2)\n" in text
    assert "**Helper** · " in text
    assert "Echo: **=SUM(1,2)**" in text
    assert "Tags: greeting" in text
    assert "\nsecret seed\n" not in text  # the hidden seed message; the bot's answer to it is shown


def test_download_csv(admin_client, team, chatbot, conversation):
    response = admin_client.get(download_url(team, chatbot, conversation, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["role"], row["sender"], row["content"]) for row in rows] == [
        ("human", "ama@example.org", "'=SUM(1,2)"),  # a spreadsheet must not run it as a formula
        ("ai", "Helper", "Echo: **=SUM(1,2)**"),
        ("ai", "Helper", "Echo: **secret seed**"),  # the answer to the hidden seed message
    ]
    reply = ChatMessage.objects.filter(chat=conversation.chat, message_type="ai").first()
    assert rows[1]["tags"] == "greeting"
    assert rows[1]["trace_id"] == str(reply.metadata["trace_id"])
    assert admin_client.get(download_url(team, chatbot, conversation, "pdf")).status_code == 404


def test_download_is_for_roles_that_read_chats_and_for_this_team(client, team, chatbot, other_team, conversation):
    client.force_login(MembershipFactory(team=team, roles=[roles.EVENT_ADMIN]).user)
    assert client.get(download_url(team, chatbot, conversation)).status_code == 403
    client.force_login(MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user)
    assert client.get(download_url(team, chatbot, conversation)).status_code == 200
    client.force_login(other_team.membership_set.first().user)
    assert client.get(download_url(team, chatbot, conversation)).status_code == 404
    # Another team's session, under this team's chatbot URL, is not found either.
    theirs = simple_chatbot(other_team)
    their_session = session_for(theirs)
    client.force_login(MembershipFactory(team=team, roles=[roles.SUPER_ADMIN]).user)
    assert client.get(download_url(team, chatbot, their_session)).status_code == 404
    assert client.get(download_url(team, theirs, their_session)).status_code == 404
