"""The node registry: schemas for the builder, parameter migrations, the template sandbox."""

import pytest
from pydantic import Field

from apps.pipelines.exporting import graph_from_export
from apps.pipelines.nodes import registry
from apps.pipelines.nodes.base import NodeParams, NodeResult, NodeType
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.runner import PipelineRunError, run_pipeline
from apps.pipelines.tests.graphs import linear, node


def test_every_node_type_describes_itself_for_the_builder():
    for schema in registry.node_type_schemas():
        assert schema["label"]
        assert schema["params_version"] >= 1
        assert schema["schema"]["type"] == "object"
    routers = {schema["name"] for schema in registry.node_type_schemas() if schema["router"]}
    assert routers == {"llm_router", "static_router"}


class GreetParams(NodeParams):
    greeting: str = Field("Hello")
    punctuation: str = "!"


class GreetNode(NodeType):
    """Version 1 had a single `text` parameter; version 2 split it."""

    name = "greet"
    label = "Greet"
    Params = GreetParams
    params_version = 2
    migrations = {1: lambda old: {"greeting": old.pop("text", "Hello"), "punctuation": "!"}}

    def run(self, params, context):
        return NodeResult(output=f"{params.greeting}{params.punctuation} {context.input}")


@pytest.fixture
def greet(monkeypatch):
    monkeypatch.setitem(registry.NODE_TYPES, "greet", GreetNode())


def test_old_parameters_are_migrated_when_run(greet, repo):
    graph = linear(node("g", "greet", text="Salut"))
    graph.nodes[1].params_version = 1
    assert run_pipeline(graph, RunInput("Ama"), repo).output == "Salut! Ama"


def test_old_parameters_are_upgraded_on_import(greet):
    old = linear(node("g", "greet", text="Hola")).to_dict()
    old["nodes"][1]["params_version"] = 1
    graph, _, _ = graph_from_export({"format": "chatstudio.pipeline", "pipeline": old})
    assert (graph.nodes[1].params, graph.nodes[1].params_version) == ({"greeting": "Hola", "punctuation": "!"}, 2)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ participant_data.update({'x': 1}) }}",
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_templates_cannot_reach_python_internals(repo, template):
    """Unsafe access either fails the node or renders nothing; it never reveals internals."""
    graph = linear(node("t", "render_template", template_string=template))
    try:
        output = run_pipeline(graph, RunInput("hi"), repo).output
    except PipelineRunError as error:
        output = str(error)
    assert output == "" or "Template error" in output


def test_a_template_is_compiled_once_and_rendered_per_run():
    from apps.pipelines import templating

    source = "Hello {{ participant_data.name or 'there' }} ({{ input }})"
    assert templating.render(source, {"input": "hi", "participant_data": {"name": "Ana"}}) == "Hello Ana (hi)"
    before = templating._compiled.cache_info().hits
    assert templating.render(source, {"input": "bye", "participant_data": {}}) == "Hello there (bye)"
    assert templating._compiled.cache_info().hits == before + 1
    with pytest.raises(templating.TemplateProblem):
        templating.render("{{ unclosed", {})
