"""The fake chat model the rest of the code base tests with, installed at the llm.service seam."""

import time

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel

from apps.service_providers import errors
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.llm.usage import usage_context
from apps.service_providers.models import LlmUsage
from apps.service_providers.selectors import usage_summary
from apps.service_providers.testing.fake_llm import ECHO, FakeChatModel, use_fake_llm
from apps.service_providers.tests.factories import LlmProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return LlmProviderFactory()


def test_scripted_replies_then_echo(provider):
    with use_fake_llm("first", ECHO) as fake:
        model = get_chat_model(provider, "gpt-4o-mini")
        assert model.invoke([HumanMessage("hello")]).text == "first"
        assert model.invoke([HumanMessage("say this")]).text == "say this"
        assert model.invoke([HumanMessage("again")]).text == "again"  # script exhausted: echo
    assert [call[-1].text for call in fake.calls] == ["hello", "say this", "again"]


def test_streams_token_by_token(provider):
    with use_fake_llm("one two three"):
        chunks = [chunk.text for chunk in get_chat_model(provider, "m").stream([HumanMessage("x")])]
    assert [c for c in chunks if c] == ["one", " two", " three"]


def test_benchmark_streams_carry_their_send_times():
    model = FakeChatModel(stamped_tokens=3, token_interval=0.02)
    before = time.time()
    stamps = [float(chunk.text) for chunk in model.stream([HumanMessage("x")]) if chunk.text]
    assert len(stamps) == 3
    assert before <= stamps[0] < stamps[1] < stamps[2] <= time.time()
    assert stamps[2] - stamps[0] >= 0.04


def test_tool_calls_and_structured_output(provider):
    class Route(BaseModel):
        route: str

    tool_reply = AIMessage(content="", tool_calls=[{"name": "calculator", "args": {"expression": "2+2"}, "id": "c1"}])
    with use_fake_llm(tool_reply, {"route": "billing"}) as fake:
        model = get_chat_model(provider, "m")
        reply = model.bind_tools(["calculator"]).invoke([HumanMessage("2+2?")])
        assert reply.tool_calls[0]["args"] == {"expression": "2+2"}
        assert model.with_structured_output(Route).invoke([HumanMessage("route me")]) == Route(route="billing")
    assert fake.bound_tools == ["calculator"]


def test_failures_surface_as_provider_errors(provider):
    failure = errors.RateLimited("Provider 'P' rate limited the request, retried 3 times")
    with (
        use_fake_llm(failure),
        pytest.raises(errors.RateLimited, match="retried 3 times"),
        translate_errors(provider=provider.name),
    ):
        get_chat_model(provider, "m").invoke([HumanMessage("x")])


def test_usage_is_recorded_with_chatbot_and_session(provider):
    with use_fake_llm("three word reply"), usage_context(chatbot_id=7, session_id=42, source="pipeline"):
        get_chat_model(provider, "gpt-4o-mini").invoke([HumanMessage("two words")])
        get_chat_model(provider, "gpt-4o-mini").invoke([HumanMessage("again")])
    rows = LlmUsage.objects.filter(team=provider.team)
    assert rows.count() == 2
    assert {(row.chatbot_id, row.session_id, row.source) for row in rows} == {(7, 42, "pipeline")}
    by_session = usage_summary(provider.team, group_by="session_id")
    assert by_session == [
        {"session_id": 42, "calls": 2, "input_tokens": 3, "output_tokens": 4, "cost": None},
    ]


@pytest.mark.django_db(transaction=True)
def test_usage_is_written_off_the_call_path(settings):
    from apps.service_providers.llm.usage_writer import flush_usage

    settings.LLM_USAGE_WRITE_SYNC = False
    provider = LlmProviderFactory()
    with use_fake_llm("background write"):
        for _ in range(3):
            get_chat_model(provider, "gpt-4o-mini").invoke([HumanMessage("hello")])
    assert flush_usage(timeout=10)
    assert LlmUsage.objects.filter(team=provider.team).count() == 3
