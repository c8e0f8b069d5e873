"""Agent tools an LLM node can enable, driven by a scripted model that calls them."""

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.runner import run_pipeline
from apps.pipelines.tests.graphs import LLM, linear, node
from apps.pipelines.tools.calculator import CalculationError, evaluate


def calls(*tool_calls: tuple[str, dict]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"c{i}"} for i, (name, args) in enumerate(tool_calls)],
    )


def test_participant_data_tools(repo, fake_model):
    fake_model.script += [
        calls(
            ("update_participant_data", {"key": "name", "value": "Ama"}),
            ("append_to_participant_data", {"key": "symptoms", "value": "fever"}),
            ("increment_participant_data", {"key": "visits"}),
            ("increment_participant_data", {"key": "visits", "by": 2}),
        ),
        "Noted, Ama.",
    ]
    tools = ["update_participant_data", "append_to_participant_data", "increment_participant_data"]
    graph = linear(node("llm", "llm", tools=tools, **LLM))
    result = run_pipeline(graph, RunInput("I'm Ama, I have a fever", participant_data={"symptoms": ["cough"]}), repo)
    assert result.output == "Noted, Ama."
    assert result.participant_data == {"name": "Ama", "symptoms": ["cough", "fever"], "visits": 3}
    tool_results = [m.content for m in fake_model.calls[1] if isinstance(m, ToolMessage)]
    assert tool_results == ["Saved name.", "Added to symptoms.", "visits is now 1.", "visits is now 3."]
    assert [tool["function"]["name"] for tool in _tool_schemas(fake_model)] == tools


def _tool_schemas(fake_model):
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return [convert_to_openai_tool(tool) for tool in fake_model.bound_tools]


def test_session_state_tools_and_end_session(repo, fake_model):
    fake_model.script += [
        calls(
            ("set_session_state", {"key": "step", "value": 2}),
            ("append_to_session_state", {"key": "seen", "value": "a"}),
        ),
        calls(
            ("get_session_state", {"key": "step"}), ("increment_session_state", {"key": "step"}), ("end_session", {})
        ),
        "Goodbye!",
    ]
    tools = [
        "get_session_state",
        "set_session_state",
        "append_to_session_state",
        "increment_session_state",
        "end_session",
    ]
    result = run_pipeline(
        linear(node("llm", "llm", tools=tools, **LLM)), RunInput("bye", session_state={"seen": ["x"]}), repo
    )
    assert result.output == "Goodbye!"
    assert result.session_state == {"step": 3, "seen": ["x", "a"]}
    assert result.intents == ["end_session"]
    assert [m.content for m in fake_model.calls[2] if isinstance(m, ToolMessage)][2] == "2"


def test_calculator_tool(repo, fake_model):
    fake_model.script += [calls(("calculator", {"expression": "(12.5 * 4) / 3"})), "It is 16.67"]
    result = run_pipeline(linear(node("llm", "llm", tools=["calculator"], **LLM)), RunInput("?"), repo)
    assert result.output == "It is 16.67"
    assert [m.content for m in fake_model.calls[1] if isinstance(m, ToolMessage)] == ["16.6666666667"]
    assert repo.traces[-1].spans[1].details["tool_calls"][0]["tool"] == "calculator"


@pytest.mark.parametrize(("expression", "result"), [("2+3*4", 14), ("2^10", 1024), ("-(3 - 5) % 3", 2), ("7 // 2", 3)])
def test_calculator_arithmetic(expression, result):
    assert evaluate(expression) == result


@pytest.mark.parametrize(
    "expression", ["__import__('os').system('ls')", "9 ** 9 ** 9", "1/0", "a + 1", "[1] * 10", "x" * 600]
)
def test_calculator_refuses_anything_but_arithmetic(expression):
    with pytest.raises(CalculationError):
        evaluate(expression)


def test_unknown_tool_names_are_validation_errors():
    from apps.pipelines.runtime.repository import InMemoryRepository
    from apps.pipelines.validation import validate_pipeline

    issues = validate_pipeline(linear(node("llm", "llm", tools=["format_disk"], **LLM)), InMemoryRepository())
    assert [(issue.node_id, issue.field) for issue in issues] == [("llm", "tools.0")]


def test_a_tool_loop_is_cut_off(repo, fake_model):
    from apps.pipelines.runtime.runner import PipelineRunError

    fake_model.script += [calls(("calculator", {"expression": "1+1"}))] * 10
    with pytest.raises(PipelineRunError, match="kept calling tools"):
        run_pipeline(linear(node("llm", "llm", tools=["calculator"], **LLM)), RunInput("?"), repo)
