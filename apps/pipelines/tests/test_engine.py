"""The pipeline engine with the in-memory repository and the fake chat model: no database."""

import json
import threading

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from apps.pipelines.graph import PipelineGraph
from apps.pipelines.runtime.context import ParticipantDetails, RunInput
from apps.pipelines.runtime.runner import PipelineCancelled, PipelineRunError, run_pipeline
from apps.pipelines.tests.graphs import LLM, edge, linear, node, pipeline
from apps.service_providers import errors


def test_start_to_end_echoes_the_message(repo):
    result = run_pipeline(linear(), RunInput("hello"), repo)
    assert result.output == "hello"
    assert result.path == ["start", "end"]


def test_llm_node_renders_prompt_variables_and_replies(repo, fake_model):
    fake_model.script.append("Hi Ama!")
    graph = linear(node("llm", "llm", prompt="You help {participant_details}. Known: {participant_data}", **LLM))
    run = RunInput(
        "hello",
        participant_data={"name": "Ama"},
        participant=ParticipantDetails(identifier="+233", platform="whatsapp"),
        history=[HumanMessage("earlier"), AIMessage("earlier reply")],
    )
    result = run_pipeline(graph, run, repo)
    assert result.output == "Hi Ama!"
    system, *history, user = fake_model.calls[0]
    assert '"name": "Ama"' in system.text
    assert '"platform": "whatsapp"' in system.text
    assert [m.text for m in history] == ["earlier", "earlier reply"]
    assert user.text == "hello"


def test_tokens_stream_from_the_node_that_answers(repo, fake_model):
    fake_model.script += ["internal note", "the final answer"]
    graph = linear(node("first", "llm", **LLM), node("second", "llm", **LLM))
    tokens: list[str] = []
    result = run_pipeline(graph, RunInput("hi"), repo, on_token=tokens.append)
    assert result.output == "the final answer"
    assert "".join(tokens) == "the final answer"  # the first node's output is not streamed


def router_graph(router: dict) -> PipelineGraph:
    nodes = [
        node("start", "start"),
        router,
        node("a", "render_template", template_string="route A: {{ input }}"),
        node("b", "render_template", template_string="route B: {{ input }}"),
        node("end", "end"),
    ]
    edges = [
        edge("start", router["id"]),
        edge(router["id"], "a", "output_0"),
        edge(router["id"], "b", "output_1"),
        edge("a", "end"),
        edge("b", "end"),
    ]
    return pipeline(nodes, edges)


@pytest.mark.parametrize(
    ("participant_data", "expected"),
    [({"lang": "fr"}, "route B: hi"), ({"lang": "EN"}, "route A: hi"), ({}, "route A: hi")],
)
def test_static_router(repo, participant_data, expected):
    router = node("router", "static_router", route_key="lang", keywords=["en", "fr"], tag_output_message=True)
    result = run_pipeline(router_graph(router), RunInput("hi", participant_data=participant_data), repo)
    assert result.output == expected
    assert result.routes == {"router": "fr" if "B" in expected else "en"}
    assert result.output_tags == [f"router:{result.routes['router']}"]


def test_llm_router_uses_a_structured_answer(repo, fake_model):
    fake_model.script.append({"route": "billing"})
    router = node("router", "llm_router", keywords=["support", "billing"], **LLM)
    result = run_pipeline(router_graph(router), RunInput("my invoice is wrong"), repo)
    assert result.output == "route B: my invoice is wrong"
    assert "support, billing" in fake_model.calls[0][0].text


def test_llm_router_takes_the_default_on_an_unknown_answer(repo, fake_model):
    fake_model.script.append({"route": "weather"})
    router = node("router", "llm_router", keywords=["support", "billing"], default_keyword_index=1, **LLM)
    assert run_pipeline(router_graph(router), RunInput("?"), repo).output == "route B: ?"


def test_parallel_branches_merge_once(repo):
    nodes = [
        node("start", "start"),
        node("left", "render_template", template_string="L({{ input }})"),
        node("right", "render_template", template_string="R({{ input }})"),
        node("longer", "render_template", template_string="{{ input }}+"),
        node("merge", "render_template", template_string="merged: {{ input }}"),
        node("end", "end"),
    ]
    edges = [
        edge("start", "left"),
        edge("start", "right"),
        edge("right", "longer"),
        edge("left", "merge"),
        edge("longer", "merge"),
        edge("merge", "end"),
    ]
    result = run_pipeline(pipeline(nodes, edges), RunInput("x"), repo)
    assert result.output == "merged: L(x)\n\nR(x)+"
    assert result.path.count("merge") == 1


def test_branches_into_end_are_joined_once(repo):
    """Start and End run outside the LangGraph graph: End must still wait for every branch, including
    an edge straight from Start, and run once."""
    nodes = [
        node("start", "start"),
        node("upper", "render_template", template_string="{{ input | upper }}"),
        node("slow", "render_template", template_string="{{ input }}!"),
        node("slower", "render_template", template_string="{{ input }}?"),
        node("end", "end"),
    ]
    edges = [
        edge("start", "end"),
        edge("start", "upper"),
        edge("start", "slow"),
        edge("slow", "slower"),
        edge("upper", "end"),
        edge("slower", "end"),
    ]
    events: list[tuple[str, str]] = []
    result = run_pipeline(
        pipeline(nodes, edges),
        RunInput("hi"),
        repo,
        on_node_event=lambda kind, data: events.append((kind, data["node_id"])),
    )
    assert result.output == "hi\n\nHI\n\nhi!?"
    assert (result.path[0], result.path[-1], result.path.count("end")) == ("start", "end", 1)
    assert events[:2] == [("node_start", "start"), ("node_end", "start")]
    assert events[-2:] == [("node_start", "end"), ("node_end", "end")]
    assert [span.node_id for span in repo.traces[-1].spans][::4] == ["start", "end"]


def test_a_router_can_go_straight_to_end(repo):
    nodes = [
        node("start", "start"),
        node("router", "static_router", route_key="lang", keywords=["en", "fr"]),
        node("fr", "render_template", template_string="bonjour"),
        node("end", "end"),
    ]
    edges = [
        edge("start", "router"),
        edge("router", "end", "output_0"),
        edge("router", "fr", "output_1"),
        edge("fr", "end"),
    ]
    graph = pipeline(nodes, edges)
    assert run_pipeline(graph, RunInput("hello", participant_data={"lang": "en"}), repo).output == "hello"
    french = run_pipeline(graph, RunInput("hello", participant_data={"lang": "fr"}), repo)
    assert french.output == "bonjour"
    assert french.path == ["start", "router", "fr", "end"]


def test_state_changes_made_before_and_after_the_graph_are_kept(repo):
    graph = linear(
        node("set", "render_template", template_string='{"step": 1}'), node("data", "update_participant_data")
    )
    result = run_pipeline(graph, RunInput("hi", participant_data={"kept": True}), repo)
    assert result.participant_data == {"kept": True, "step": 1}
    assert result.path == ["start", "set", "data", "end"]


def test_update_participant_data_merges_json(repo):
    graph = linear(
        node("json", "render_template", template_string='{"age": 31, "city": "Accra"}'),
        node("top", "update_participant_data"),
        node("json2", "render_template", template_string='{"district": "Osu"}'),
        node("nested", "update_participant_data", key_name="address"),
    )
    result = run_pipeline(graph, RunInput("hi", participant_data={"name": "Kofi", "address": {"street": "1"}}), repo)
    assert result.participant_data == {
        "name": "Kofi",
        "age": 31,
        "city": "Accra",
        "address": {"street": "1", "district": "Osu"},
    }


def test_update_participant_data_rejects_non_json(repo):
    with pytest.raises(PipelineRunError, match="Node 'top' failed: The input is not JSON"):
        run_pipeline(linear(node("top", "update_participant_data")), RunInput("not json"), repo)


def test_extract_structured_data_reads_long_input_in_chunks(repo, fake_model):
    from apps.pipelines.nodes.extract_structured_data import chunks

    long_text = "My name is Ama and I have a fever. " * 30
    parts = chunks(long_text, 100)
    assert len(parts) >= 2
    fake_model.script += [{"name": "Ama", "symptoms": ["fever"]}] + [{"name": None, "symptoms": ["cough"]}] * (
        len(parts) - 1
    )
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "symptoms": {"type": "array"}}}
    graph = linear(node("extract", "extract_structured_data", data_schema=schema, chunk_size=100, **LLM))
    result = run_pipeline(graph, RunInput(long_text), repo)
    assert json.loads(result.output) == {"name": "Ama", "symptoms": ["fever", "cough"]}
    assert len(fake_model.calls) == len(parts)
    assert "Already extracted" in fake_model.calls[1][0].text


def test_extract_structured_data_fills_prompt_variables(repo, fake_model):
    fake_model.script.append({"age": 7})
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}}
    prompt = "Known so far: {participant_data}"
    graph = linear(node("extract", "extract_structured_data", data_schema=schema, prompt=prompt, **LLM))
    run_pipeline(graph, RunInput("I am seven", participant_data={"name": "Ama"}), repo)
    assert fake_model.calls[0][0].text == 'Known so far: {"name": "Ama"}'


def test_send_email_queues_a_rendered_email(repo):
    graph = linear(
        node(
            "email",
            "send_email",
            recipient_list="nurse@example.org, {{ participant_data.supervisor }}",
            subject="Alert for {{ participant_details.identifier }}",
            body="Message: {{ input }}",
        )
    )
    run = RunInput("I feel dizzy", participant_data={"supervisor": "sup@example.org"})
    run.participant.identifier = "P-9"
    result = run_pipeline(graph, run, repo)
    assert result.output == "I feel dizzy"
    assert repo.emails == [
        {
            "recipients": ["nurse@example.org", "sup@example.org"],
            "subject": "Alert for P-9",
            "body": "Message: I feel dizzy",
        }
    ]


def test_a_failing_node_is_named_and_traced(repo, fake_model):
    fake_model.script.append(errors.AuthenticationFailed("The API key for provider 'P' was rejected"))
    with pytest.raises(PipelineRunError, match="Node 'llm' failed: The API key for provider 'P' was rejected") as info:
        run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("hi"), repo)
    assert info.value.node_id == "llm"
    trace = repo.traces[-1]
    assert trace.status == "error"
    assert [span.node_name for span in trace.spans] == ["start", "llm"]
    assert "was rejected" in trace.spans[-1].error


def test_a_transient_provider_error_is_retried(repo, fake_model, monkeypatch):
    monkeypatch.setattr("apps.pipelines.runtime.runner.time.sleep", lambda seconds: None)
    fake_model.script += [errors.RateLimited("rate limited"), "second try"]
    result = run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("hi"), repo)
    assert result.output == "second try"
    assert repo.traces[-1].spans[1].details["attempts"] == 2


def test_traces_have_a_span_per_node_with_usage(repo, fake_model):
    fake_model.script.append("three words here")
    run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("hi there"), repo)
    trace = repo.traces[-1]
    assert trace.status == "success"
    assert trace.output == "three words here"
    llm_span = trace.spans[1]
    assert (llm_span.input, llm_span.output) == ("hi there", "three words here")
    assert llm_span.details["usage"]["output_tokens"] == 3


def test_cancellation(repo):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(PipelineCancelled):
        run_pipeline(linear(node("t", "render_template")), RunInput("hi"), repo, cancel=cancel)
    assert repo.traces[-1].status == "cancelled"


def test_time_limit(repo, fake_model):
    import time

    slow = type(fake_model)(script=["late"])
    original = slow._generate

    def slow_generate(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    object.__setattr__(slow, "_generate", slow_generate)
    repo.chat_model_factory = lambda *args: slow
    with pytest.raises(PipelineRunError, match="took longer than 0 s"):
        run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("hi"), repo, time_limit=0.1)


def test_node_events_follow_the_path_taken(repo):
    router = node("router", "static_router", route_key="lang", keywords=["en", "fr"])
    events: list[tuple[str, dict]] = []
    run_pipeline(
        router_graph(router),
        RunInput("hi", participant_data={"lang": "fr"}),
        repo,
        on_node_event=lambda kind, data: events.append((kind, data)),
    )
    assert [(kind, data["node_id"]) for kind, data in events] == [
        ("node_start", "start"),
        ("node_end", "start"),
        ("node_start", "router"),
        ("node_end", "router"),
        ("node_start", "b"),
        ("node_end", "b"),
        ("node_start", "end"),
        ("node_end", "end"),
    ]
    router_end = events[3][1]
    assert router_end["route"] == "output_1"
    assert router_end["error"] is None
    assert events[5][1]["output"] == "route B: hi"
    assert events[4][1]["input"] == "hi"


def test_a_failing_node_reports_its_error_event(repo, fake_model):
    fake_model.script.append(errors.AuthenticationFailed("rejected key"))
    events: list[tuple[str, dict]] = []
    with pytest.raises(PipelineRunError):
        run_pipeline(
            linear(node("llm", "llm", **LLM)),
            RunInput("hi"),
            repo,
            on_node_event=lambda kind, data: events.append((kind, data)),
        )
    assert events[-1][0] == "node_end"
    assert "rejected key" in events[-1][1]["error"]
    assert events[-1][1]["output"] is None


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def image(file_id: int, content_type: str = "image/png") -> dict:
    return {"file_id": file_id, "name": f"photo{file_id}.png", "content_type": content_type, "size": 16}


def test_a_vision_model_gets_the_participants_images(repo, fake_model):
    import base64

    from apps.pipelines.nodes import llm_common

    repo.vision_models = {1}
    repo.images = {n: (PNG_BYTES, "image/png") for n in range(1, 8)}
    repo.images[9] = (b"x" * (llm_common.MAX_IMAGE_BYTES + 1), "image/png")  # too large to send
    attachments = [image(9), *(image(n) for n in range(1, 7)), {"file_id": 8, "content_type": "audio/ogg"}]
    fake_model.script.append("A rash")
    run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("What is this?", attachments=attachments), repo)
    newest = fake_model.calls[0][-1]
    text, *images = newest.content
    assert text == {"type": "text", "text": "What is this?"}
    encoded = base64.b64encode(PNG_BYTES).decode()
    assert images == [{"type": "image", "base64": encoded, "mime_type": "image/png"}] * (llm_common.MAX_IMAGES - 1)
    assert repo.traces[-1].spans[1].details["images"] == llm_common.MAX_IMAGES - 1


def test_a_model_without_vision_gets_only_the_text(repo, fake_model):
    repo.images = {1: (PNG_BYTES, "image/png")}
    fake_model.script.append("I cannot see images")
    run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("What is this?", attachments=[image(1)]), repo)
    assert fake_model.calls[0][-1].content == "What is this?"
    assert "images" not in repo.traces[-1].spans[1].details


@pytest.mark.parametrize("malformed", [{"choice": "billing"}, "not json at all", {"route": ["billing"]}])
def test_llm_router_takes_the_default_on_a_malformed_answer_and_notes_it(repo, fake_model, malformed):
    fake_model.script.append(malformed)
    router = node("router", "llm_router", keywords=["support", "billing"], default_keyword_index=1, **LLM)
    result = run_pipeline(router_graph(router), RunInput("?"), repo)
    assert result.output == "route B: ?"
    assert result.routes == {"router": "billing"}
    span = repo.traces[-1].spans[1]
    assert span.error == ""
    assert "malformed" in span.details["route_fallback"]
    assert span.details["route"] == "billing"
    assert len(fake_model.calls) == 1  # not retried: a parsing failure is not a provider outage


def test_llm_router_still_fails_when_the_provider_fails(repo, fake_model):
    fake_model.script.append(errors.InvalidRequest("bad request", provider="fake"))
    router = node("router", "llm_router", keywords=["support", "billing"], **LLM)
    with pytest.raises(PipelineRunError):
        run_pipeline(router_graph(router), RunInput("?"), repo)
