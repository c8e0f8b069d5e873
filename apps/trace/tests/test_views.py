"""The trace page waits a moment for a trace of one of the team's replies still being written, and is a
404 otherwise."""

import pytest
from django.utils import timezone

from apps.trace.records import TraceRecord
from apps.trace.writer import _reserve, write_trace_now

pytestmark = pytest.mark.django_db


def url(team, trace_id, waited=None) -> str:
    return f"/a/{team.slug}/traces/{trace_id}/" + (f"?waited={waited}" if waited is not None else "")


def test_a_written_trace_is_shown(admin_client, team):
    trace_id = write_trace_now(team.pk, TraceRecord(input="Hi", started_at=timezone.now(), status="success"))
    response = admin_client.get(url(team, trace_id))
    assert response.status_code == 200
    assert f"Trace {trace_id}" in response.content.decode()


def named_by_a_reply(team, trace_id: int) -> None:
    from apps.chat.models import ChatMessage
    from apps.experiments.tests.factories import session_for, simple_chatbot

    session = session_for(simple_chatbot(team))
    ChatMessage.objects.create(team=team, chat=session.chat, message_type="ai", metadata={"trace_id": trace_id})


def test_a_trace_on_its_way_is_waited_for_then_given_up(admin_client, team):
    [reserved] = _reserve(1)  # handed to a run whose trace the background writer has not stored yet
    named_by_a_reply(team, reserved)
    pending = admin_client.get(url(team, reserved))
    html = pending.content.decode()
    assert pending.status_code == 200
    assert "still being written" in html
    assert 'http-equiv="refresh" content="1;url=?waited=1"' in html
    assert 'content="1;url=?waited=3"' in admin_client.get(url(team, reserved, waited=2)).content.decode()
    assert admin_client.get(url(team, reserved, waited=10)).status_code == 404  # waited long enough


def test_unknown_and_other_teams_traces_are_404(admin_client, team, other_team):
    [last] = _reserve(1)
    assert admin_client.get(url(team, last + 1000)).status_code == 404  # never handed out
    [pending_elsewhere] = _reserve(1)
    named_by_a_reply(other_team, pending_elsewhere)
    assert admin_client.get(url(team, pending_elsewhere)).status_code == 404  # another team's, on its way
    named_by_a_reply(team, last)
    theirs = write_trace_now(other_team.pk, TraceRecord(input="secret", started_at=timezone.now()))
    response = admin_client.get(url(team, theirs))
    assert response.status_code == 404  # at once: it exists, just not for this team
    assert "secret" not in response.content.decode()
    assert admin_client.get(url(team, last, waited="abc")).status_code == 200  # a bad count counts as 0
