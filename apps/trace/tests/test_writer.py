"""Chat replies' traces: an id at once, the rows written moments later off the request path."""

import threading

import pytest

from apps.chat.models import ChatMessage
from apps.conversations.bot import respond
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.teams.tests.factories import TeamFactory
from apps.trace.models import Span, Trace
from apps.trace.writer import flush_traces, trace_ids, trace_writer


@pytest.mark.django_db(transaction=True)
def test_a_replys_trace_is_written_after_the_reply_under_the_id_it_names(settings, monkeypatch):
    settings.TRACE_WRITE_SYNC = False
    writes_may_go, write = threading.Event(), trace_writer._write

    def after_the_replies(batch):
        writes_may_go.wait(10)
        write(batch)

    monkeypatch.setattr(trace_writer, "_write", after_the_replies)
    session = session_for(simple_chatbot(TeamFactory()))
    with use_fake_llm("one", "two"):
        replies = [respond(session, "Hi"), respond(session, "again")]
    assert not Trace.objects.filter(pk__in=[reply.trace_id for reply in replies]).exists()  # not waited for
    writes_may_go.set()
    assert flush_traces(timeout=10)
    for reply in replies:
        stored = ChatMessage.objects.get(pk=reply.reply.pk)
        trace = Trace.objects.get(pk=stored.metadata["trace_id"])
        assert (trace.status, trace.session_id, trace.team_id) == ("success", session.pk, session.team_id)
        assert trace.output == reply.reply.content
        assert list(Span.objects.filter(trace=trace).values_list("node_type", flat=True)) == ["start", "llm", "end"]


@pytest.mark.django_db
def test_trace_ids_are_taken_from_the_tables_sequence_and_never_repeat():
    taken = [trace_ids.next() for _ in range(120)]  # more than one block
    assert len(set(taken)) == 120
    assert taken == sorted(taken)
    with use_fake_llm("three"):
        reply = respond(session_for(simple_chatbot(TeamFactory())), "Hi")  # written inline in tests
    assert reply.trace_id not in taken
    assert Trace.objects.filter(pk=reply.trace_id).exists()
