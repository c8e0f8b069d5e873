"""Validation messages point at the node, edge or parameter at fault."""

from apps.pipelines.graph import PipelineGraph
from apps.pipelines.runtime.repository import InMemoryRepository
from apps.pipelines.tests.graphs import LLM, edge, linear, node, pipeline
from apps.pipelines.validation import validate_pipeline


def issues(graph: PipelineGraph, repo=None) -> list[tuple]:
    found = validate_pipeline(graph, repo or InMemoryRepository())
    return [(i.message, i.node_id, i.edge_id, i.field) for i in found]


def test_a_valid_pipeline_has_no_issues():
    assert issues(linear(node("llm", "llm", **LLM))) == []


def test_exactly_one_start_and_end():
    graph = pipeline([node("s1", "start"), node("s2", "start")], [])
    messages = [message for message, *_ in issues(graph)]
    assert "A pipeline needs exactly one Start node (it has 2)" in messages
    assert "A pipeline needs exactly one End node (it has 0)" in messages


def test_edges_must_connect_existing_nodes_and_handles():
    graph = linear(node("t", "render_template"))
    graph.edges.append(graph.edges[0].__class__(id="bad", source="t", target="ghost"))
    graph.edges.append(graph.edges[0].__class__(id="bad-handle", source="t", target="end", source_handle="output_3"))
    found = issues(graph)
    assert ("This edge connects a node that does not exist", None, "bad", None) in found
    assert ("'output_3' is not an output of its node", None, "bad-handle", None) in found


def test_end_must_be_reachable():
    graph = pipeline([node("start", "start"), node("t", "render_template"), node("end", "end")], [edge("start", "t")])
    found = issues(graph)
    assert ("The End node cannot be reached from the Start node", "end", None, None) in found
    assert ("This node's output is not connected", "t", None, None) in found


def test_every_route_must_be_connected():
    router = node("r", "static_router", route_key="lang", keywords=["en", "fr"])
    graph = pipeline(
        [node("start", "start"), router, node("end", "end")], [edge("start", "r"), edge("r", "end", "output_0")]
    )
    assert ("Route 'fr' is not connected", "r", None, None) in issues(graph)


def test_parameters_are_checked_per_field():
    found = issues(linear(node("llm", "llm", llm_provider_id=1, temperature=5)))
    fields = {(node_id, field) for _, node_id, _, field in found}
    assert ("llm", "llm_model_id") in fields
    assert ("llm", "temperature") in fields


def test_unknown_prompt_variables_and_providers_of_other_teams():
    repo = InMemoryRepository(known_llms={(1, 1)})
    graph = linear(node("llm", "llm", prompt="Hi {participant_dta}", llm_provider_id=1, llm_model_id=2))
    found = issues(graph, repo)
    assert ("Unknown variable {participant_dta}", "llm", None, "prompt") in found
    assert ("Choose a provider and model of this team", "llm", None, "llm_model_id") in found


def test_router_settings():
    found = issues(linear(node("r", "static_router", route_key="x", keywords=["a", "A"])))
    assert any(node_id == "r" and "different" in message for message, node_id, _, _ in found)


def test_template_syntax_errors_name_the_line():
    found = issues(linear(node("t", "render_template", template_string="ok\n{% if %}")))
    assert found[0][1:] == ("t", None, "template_string")
    assert found[0][0].startswith("Line 2:")


def test_loops_are_refused():
    nodes = [node("start", "start"), node("a", "render_template"), node("b", "render_template"), node("end", "end")]
    edges = [edge("start", "a"), edge("a", "b"), edge("b", "a"), edge("b", "end")]
    assert ("This edge makes a loop; pipelines run forward only", None, "b:output->a", None) in issues(
        pipeline(nodes, edges)
    )


def test_unknown_node_types_and_duplicate_names():
    graph = linear(
        node("x", "teleport"), node("t1", "render_template", name="same"), node("t2", "render_template", name="same")
    )
    found = issues(graph)
    assert ("Unknown node type 'teleport'", "x", None, None) in found
    assert ("Another node is also named 'same'", "t2", None, "name") in found


def test_a_prompt_that_cannot_fit_the_models_context_is_refused_when_saved():
    # Issue 13: a 108,000-character prompt on the local model (8,192 tokens) was accepted and failed only
    # when someone chatted.
    repo = InMemoryRepository(known_llms={(1, 1)}, token_limits={1: 8192})
    long_prompt = "Answer kindly about the clinic's opening hours. " * 2_250  # ~108,000 characters
    found = validate_pipeline(linear(node("llm", "llm", prompt=long_prompt, **LLM)), repo)
    assert [(i.node_id, i.field) for i in found] == [("llm", "prompt")]
    assert "shorten it to under 7,168 tokens" in found[0].message

    fits = "Answer kindly. " * 400  # ~6,000 bytes: fits with the 1,024 tokens kept for the reply
    assert issues(linear(node("llm", "llm", prompt=fits, **LLM)), repo) == []
    # A larger reply budget leaves less room for the prompt.
    tight = linear(node("llm", "llm", prompt="word " * 3_000, max_tokens=6_000, **LLM))
    assert [i[3] for i in issues(tight, repo)] == ["prompt"]
