"""The Python code node inside pipelines: helpers change the run's state; failures name the node."""

import pytest
from django.test import override_settings

from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.runner import PipelineRunError, run_pipeline
from apps.pipelines.sandbox.limits import SandboxLimits
from apps.pipelines.tests.graphs import edge, linear, node, pipeline

FAST = SandboxLimits(cpu_seconds=1, wall_seconds=3)

HELPERS = """
def main(input, **kwargs):
    data = get_participant_data()
    set_participant_data_key("visits", data.get("visits", 0) + 1)
    set_session_state_key("last", input)
    set_temp_state_key("seen", True)
    add_message_tag("coded")
    add_session_tag("python")
    if data.get("visits", 0) >= 2:
        end_session()
    return f"{input.upper()} ({get_node_output('greet')}, route={get_selected_route('router')})"
"""


@pytest.fixture(autouse=True)
def fast_limits():
    with override_settings(PIPELINE_CODE_LIMITS=FAST):
        yield


def graph_with(code: str):
    nodes = [
        node("start", "start"),
        node("greet", "render_template", template_string="hello"),
        node("router", "static_router", route_key="lang", keywords=["en"]),
        node("code", "python_code", code=code),
        node("end", "end"),
    ]
    edges = [edge("start", "greet"), edge("greet", "router"), edge("router", "code", "output_0"), edge("code", "end")]
    return pipeline(nodes, edges)


def test_helpers_read_and_change_the_run(repo):
    result = run_pipeline(graph_with(HELPERS), RunInput("bye", participant_data={"visits": 2}), repo)
    assert result.output == "HELLO (hello, route=en)"
    assert result.participant_data == {"visits": 3}
    assert result.session_state == {"last": "hello"}
    assert result.temp_state == {"seen": True}
    assert (result.output_tags, result.session_tags, result.intents) == (["coded"], ["python"], ["end_session"])


def test_abort_with_message_ends_the_run_with_that_reply(repo):
    code = 'def main(input, **kwargs):\n    abort_with_message("Please call the clinic")\n    return "never"'
    graph = linear(node("code", "python_code", code=code), node("after", "render_template", template_string="x"))
    result = run_pipeline(graph, RunInput("hi"), repo)
    assert result.output == "Please call the clinic"
    assert "after" not in result.path


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import os\ndef main(input, **kwargs):\n    return os.getcwd()", "Importing 'os' is not allowed"),
        ("def main(input, **kwargs):\n    return 1 / 0", "ZeroDivisionError"),
        ("def main(input, **kwargs):\n    while True:\n        pass", "longer than"),
    ],
)
def test_failures_name_the_node(repo, code, message):
    from apps.pipelines.runtime.repository import InMemoryRepository
    from apps.pipelines.validation import validate_pipeline

    graph = linear(node("code", "python_code", code=code))
    if "import" in code:  # refused when the pipeline is saved, before it ever runs
        assert [issue.field for issue in validate_pipeline(graph, InMemoryRepository())] == ["code"]
        return
    with pytest.raises(PipelineRunError, match=f"Node 'code' failed: .*{message}"):
        run_pipeline(graph, RunInput("hi"), repo)


def test_http_only_to_allowed_hosts(repo, settings):
    code = 'def main(input, **kwargs):\n    return str(http_get("https://evil.example.com/")["status"])'
    graph = linear(node("code", "python_code", code=code, allowed_hosts=["api.example.org"]))
    with pytest.raises(PipelineRunError, match="not on"):
        run_pipeline(graph, RunInput("hi"), repo)
