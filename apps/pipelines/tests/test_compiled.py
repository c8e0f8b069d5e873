"""Compiled graphs are kept per repository scope and graph content, and only when valid."""

import pytest

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
