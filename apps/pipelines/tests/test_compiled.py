"""Compiled graphs are kept per repository scope and graph content, and only when valid."""

import pytest
from cachetools import LRUCache

from apps.pipelines.runtime import compiled
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.errors import PipelineInvalid
from apps.pipelines.runtime.repository import InMemoryRepository
from apps.pipelines.runtime.runner import run_pipeline
from apps.pipelines.tests.graphs import linear, node


@pytest.fixture
def compile_count(monkeypatch):
    compiled.clear_cache()
    calls = []
    original = compiled._compile

    def counting(graph):
        calls.append(graph)
        return original(graph)

    monkeypatch.setattr(compiled, "_compile", counting)
    return calls


def template_graph(text: str):
    return linear(node("t", "render_template", template_string=text))


def test_a_graph_is_compiled_once_and_reused(repo, compile_count):
    graph = template_graph("1: {{ input }}")
    assert run_pipeline(graph, RunInput("a"), repo).output == "1: a"
    assert run_pipeline(template_graph("1: {{ input }}"), RunInput("b"), repo).output == "1: b"
    assert len(compile_count) == 1
    # Each run still gets its own trace and input.
    assert [trace.input for trace in repo.traces] == ["a", "b"]


def test_a_changed_graph_is_compiled_again(repo, compile_count):
    run_pipeline(template_graph("1: {{ input }}"), RunInput("a"), repo)
    assert run_pipeline(template_graph("2: {{ input }}"), RunInput("a"), repo).output == "2: a"
    assert len(compile_count) == 2


def test_another_scope_compiles_and_validates_its_own(compile_count):
    graph = linear(node("llm", "llm", llm_provider_id=1, llm_model_id=1))
    run_pipeline(graph, RunInput("a"), InMemoryRepository())
    # The same graph for a repository that does not know that model is refused, not served from the cache.
    with pytest.raises(PipelineInvalid):
        run_pipeline(graph, RunInput("a"), InMemoryRepository(known_llms=set()))
    assert len(compile_count) == 1


def test_an_invalid_graph_is_not_kept(repo, compile_count):
    broken = linear(node("t", "render_template", template_string="{{ input "))
    for _ in range(2):
        with pytest.raises(PipelineInvalid):
            run_pipeline(broken, RunInput("a"), repo)
    assert compile_count == []


# --- Chains run without LangGraph; everything else on it ------------------------------------------
def chain_ids(graph):
    start, end = graph.nodes_of_type("start")[0].id, graph.nodes_of_type("end")[0].id
    return compiled._chain(graph, start, end)


def test_which_graphs_are_chains():
    from apps.pipelines.tests.graphs import edge, pipeline

    assert chain_ids(linear()) == []
    assert chain_ids(linear(node("a", "render_template"), node("b", "render_template"))) == ["a", "b"]
    router = node("r", "static_router", route_key="k", keywords=["x"])
    assert chain_ids(linear(router)) is None  # a router chooses: LangGraph
    fan_out = pipeline(
        [node("start", "start"), node("a", "render_template"), node("b", "render_template"), node("end", "end")],
        [edge("start", "a"), edge("start", "b"), edge("a", "end"), edge("b", "end")],
    )
    assert chain_ids(fan_out) is None
    off_path = pipeline(
        [node("start", "start"), node("a", "render_template"), node("lost", "render_template"), node("end", "end")],
        [edge("start", "a"), edge("a", "end")],
    )
    assert chain_ids(off_path) is None


def run_both_ways(graph, run, make_repo, monkeypatch):
    """(result, trace, events) on the chain path, then with the chain path turned off (LangGraph)."""
    outcomes = []
    for force_langgraph in (False, True):
        compiled.clear_cache()
        with monkeypatch.context() as patch:
            if force_langgraph:
                patch.setattr(compiled, "_chain", lambda *args: None)
            else:
                patch.setattr(compiled, "StateGraph", None)  # a chain must not touch LangGraph
            repo = make_repo()
            events: list = []
            result = run_pipeline(
                graph, run, repo, on_node_event=lambda kind, data, seen=events: seen.append((kind, data))
            )
            outcomes.append((result, repo.traces[-1], events))
    compiled.clear_cache()
    return outcomes


def test_a_chain_runs_as_langgraph_would(monkeypatch):
    from langchain_core.messages import AIMessage

    from apps.pipelines.tests.graphs import LLM
    from apps.service_providers.testing.fake_llm import FakeChatModel

    tool_calls = [
        {"name": "set_session_state", "args": {"key": "stage", "value": "two"}, "id": "a"},
        {"name": "update_participant_data", "args": {"key": "age", "value": 7}, "id": "b"},
    ]
    graph = linear(
        node("intro", "render_template", template_string="Hello {{ input }}"),
        node("llm", "llm", tools=["set_session_state", "update_participant_data"], **LLM),
        node("json", "render_template", template_string='{"city": "Accra"}'),
        node("data", "update_participant_data", key_name="address"),
    )

    def make_repo():
        model = FakeChatModel(script=[AIMessage(content="", tool_calls=tool_calls), "Noted"])
        return InMemoryRepository(chat_model_factory=lambda *args: model)

    run = RunInput("Ama", participant_data={"name": "Ama"}, session_state={"stage": "one"})
    (chain, chain_trace, chain_events), (graph_run, graph_trace, graph_events) = run_both_ways(
        graph, run, make_repo, monkeypatch
    )
    assert chain.participant_data == {"name": "Ama", "age": 7, "address": {"city": "Accra"}}
    assert chain.session_state == {"stage": "two"}
    assert chain.path == ["start", "intro", "llm", "json", "data", "end"]
    assert {**vars(chain), "trace_id": None} == {**vars(graph_run), "trace_id": None}
    spans = [(span.node_id, span.input, span.output, span.error) for span in chain_trace.spans]
    assert spans == [(span.node_id, span.input, span.output, span.error) for span in graph_trace.spans]

    def without_timings(events):
        return [(kind, {key: value for key, value in data.items() if key != "duration_ms"}) for kind, data in events]

    assert without_timings(chain_events) == without_timings(graph_events)


def test_the_least_recently_used_graph_is_dropped_first(repo, compile_count, monkeypatch):
    monkeypatch.setattr(compiled, "_cache", LRUCache(maxsize=2))
    first, second, third = (template_graph(f"{n}: {{{{ input }}}}") for n in (1, 2, 3))
    run_pipeline(first, RunInput("a"), repo)
    run_pipeline(second, RunInput("a"), repo)
    run_pipeline(first, RunInput("a"), repo)  # used again: the second is now the oldest
    run_pipeline(third, RunInput("a"), repo)  # full: the second goes
    assert len(compile_count) == 3
    run_pipeline(first, RunInput("a"), repo)
    assert len(compile_count) == 3
    run_pipeline(second, RunInput("a"), repo)
    assert len(compile_count) == 4
