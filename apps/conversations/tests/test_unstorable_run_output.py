"""A code node's NUL characters and lone surrogates (in its reply, the session state, tags) are
scrubbed, not a failed reply: the reply, the state and the trace are all stored (issue 12 §3)."""

import pytest
from django.test import override_settings

from apps.chat.models import ChatMessage
from apps.conversations.bot import respond
from apps.experiments.actions import create_chatbot
from apps.experiments.tests.factories import session_for
from apps.pipelines.actions import create_pipeline
from apps.pipelines.sandbox.limits import SandboxLimits
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.trace.models import Trace
from apps.trace.writer import flush_traces

pytestmark = pytest.mark.django_db(transaction=True)

CODE = """
def main(input, **kwargs):
    set_session_state_key("note\\x00", "a\\x00b" + chr(0xD800))
    add_session_tag("t\\x00")
    add_message_tag("m" + chr(0xDC00))
    return "hi\\x00there" + chr(0xD800)
"""


def test_unstorable_text_from_a_code_node_is_scrubbed_and_everything_is_stored(team):
    pipeline = create_pipeline(team=team, name="Code", data=linear(node("code", "python_code", code=CODE)).to_dict())
    chatbot = create_chatbot(team=team, name="Coder", pipeline=pipeline)
    session = session_for(chatbot)
    with override_settings(PIPELINE_CODE_LIMITS=SandboxLimits(cpu_seconds=2, wall_seconds=5)):
        reply = respond(session, "hello")
    assert reply.reply.content == "hi\ufffdthere\ufffd"
    stored = ChatMessage.objects.get(pk=reply.reply.pk)
    assert stored.content == "hi\ufffdthere\ufffd"
    assert stored.tags == ["m\ufffd"]
    session.refresh_from_db()
    assert session.state == {"note\ufffd": "a\ufffdb\ufffd"}
    assert session.tags == ["t\ufffd"]
    assert flush_traces(timeout=10)
    assert Trace.objects.filter(pk=reply.trace_id).exists()


def test_a_model_reply_with_a_nul_is_stored_scrubbed_with_its_trace(team):
    from apps.experiments.tests.factories import simple_chatbot

    session = session_for(simple_chatbot(team))
    with use_fake_llm("fine\x00"):
        reply = respond(session, "hello")
    assert ChatMessage.objects.get(pk=reply.reply.pk).content == "fine\ufffd"
    assert flush_traces(timeout=10)
    assert Trace.objects.get(pk=reply.trace_id).spans.exists()
