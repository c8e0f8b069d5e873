"""The visual builder's page and JSON API (docs/builder-api.md)."""

from __future__ import annotations

import html
import json
import re
from typing import cast

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from langchain_core.messages import AIMessage, HumanMessage

from apps.experiments.tests.sse import read_events
from apps.pipelines import actions
from apps.pipelines.models import Pipeline
from apps.pipelines.nodes.registry import node_type_schemas
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers import errors
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.service_providers.tests.factories import LlmProviderFactory, LlmProviderModelFactory
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory
from apps.trace.models import Trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def llm_choice(team) -> tuple[LlmProvider, LlmProviderModel]:
    provider = cast(LlmProvider, LlmProviderFactory(team=team, name="OpenAI"))
    return provider, LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")


@pytest.fixture
def pipeline(team, llm_choice) -> Pipeline:
    """Start → LLM (assistant) → End on the team's provider (tests swap the model with use_fake_llm)."""
    provider, model = llm_choice
    llm = node("llm", "llm", "assistant", llm_provider_id=provider.pk, llm_model_id=model.pk, prompt="Be kind.")
    return actions.create_pipeline(team=team, name="Triage", data=linear(llm).to_dict())


@pytest.fixture
def viewer_client(client, team):
    """A member whose role may view pipelines but not change them."""
    group, _ = Group.objects.get_or_create(name="Pipeline viewer")
    group.permissions.add(Permission.objects.get(content_type__app_label="pipelines", codename="view_pipeline"))
    membership = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER])
    membership.groups.add(group)
    client.force_login(membership.user)
    return client


def url(pipeline, path: str = "") -> str:
    return f"/a/{pipeline.team.slug}/pipelines/{pipeline.pk}/builder/{path}"


def post_json(client, address: str, body) -> object:
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(address, payload, content_type="application/json")


def page_config(response) -> dict:
    match = re.search(r'<script id="builder-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page has no builder-config script"
    return json.loads(html.unescape(match.group(1)))


def graph_with(pipeline, **llm_params) -> dict:
    data = json.loads(json.dumps(pipeline.data))
    data["nodes"][1]["params"].update(llm_params)
    return data


# --- The page


def test_the_page_renders_the_config_for_this_team_only(admin_client, team, other_team, pipeline, llm_choice):
    provider, model = llm_choice
    own_model = LlmProviderModelFactory(provider_team=team, name="our-tuned-model")
    LlmProviderFactory(team=other_team, name="Theirs")
    LlmProviderModelFactory(provider_team=other_team, name="their-model")

    response = admin_client.get(url(pipeline))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div id="pipeline-builder"' in page
    assert "pipeline-builder.js" in page
    config = page_config(response)

    assert config["pipeline"] == {
        "id": pipeline.pk,
        "name": "Triage",
        "edit_revision": 1,
        "data": pipeline.data,
        "version_number": None,
        "is_working_version": True,
    }
    assert config["read_only"] is False
    assert config["issues"] == []
    assert [t["name"] for t in config["node_types"]] == [t["name"] for t in node_type_schemas()]
    assert [p["name"] for p in config["llm_providers"]] == ["OpenAI"]
    (choices,) = config["llm_providers"]
    assert (choices["id"], choices["type"]) == (provider.pk, "openai")
    model_names = [m["name"] for m in choices["models"]]
    assert {"gpt-4o-mini", "our-tuned-model"} <= set(model_names)
    assert "their-model" not in model_names
    assert {"id": own_model.pk, "name": "our-tuned-model", "max_token_limit": 8192} in choices["models"]
    assert config["prompt_variables"][:2] == ["participant_data", "source_material"]
    assert "end_session" in {tool["name"] for tool in config["agent_tools"]}
    assert set(config["agent_tools"][0]) == {"name", "label", "description"}
    assert config["versions"] == []
    base = f"/a/{team.slug}/pipelines/{pipeline.pk}/"
    assert config["urls"] == {
        "state": base + "builder/state/",
        "save": base + "builder/save/",
        "test": base + "builder/test/",
        "versions": base + "builder/versions/",
        "version": base + "builder/versions/{n}/",
        "pipeline": base,
        "trace": f"/a/{team.slug}/traces/{{id}}/",
    }
    assert config["csrf_token"]


def test_the_pipeline_pages_link_to_the_builder(admin_client, team, pipeline):
    link = f'href="{url(pipeline)}"'
    assert link in admin_client.get(f"/a/{team.slug}/pipelines/{pipeline.pk}/").content.decode()
    assert link in admin_client.get(f"/a/{team.slug}/pipelines/").content.decode()


def test_state_is_the_page_config_without_urls_and_token(admin_client, pipeline):
    config = page_config(admin_client.get(url(pipeline)))
    state = admin_client.get(url(pipeline, "state/")).json()
    assert state == {key: value for key, value in config.items() if key not in ("urls", "csrf_token")}


# --- Saving


def test_save_round_trip_then_a_stale_revision_is_a_conflict(admin_client, pipeline):
    data = graph_with(pipeline, prompt="Hello {participant_data} and {mystery}")
    response = post_json(admin_client, url(pipeline, "save/"), {"data": data, "edit_revision": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["edit_revision"] == 2
    assert body["issues"] == [
        {"message": "Unknown variable {mystery}", "node_id": "llm", "edge_id": None, "field": "prompt"}
    ]

    state = admin_client.get(url(pipeline, "state/")).json()
    assert state["pipeline"]["edit_revision"] == 2
    assert state["pipeline"]["data"]["nodes"][1]["params"]["prompt"] == "Hello {participant_data} and {mystery}"
    assert state["issues"] == body["issues"]

    # Another tab still holds revision 1: refused, and told the current revision.
    stale = post_json(admin_client, url(pipeline, "save/"), {"data": pipeline.data, "edit_revision": 1})
    assert stale.status_code == 409
    assert stale.json()["edit_revision"] == 2
    assert "changed elsewhere" in stale.json()["error"]
    pipeline.refresh_from_db()
    assert pipeline.data["nodes"][1]["params"]["prompt"] == "Hello {participant_data} and {mystery}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "JSON object"),
        ({"edit_revision": 1}, "'data'"),
        ({"data": [], "edit_revision": 1}, "'data'"),
        ({"data": {"nodes": []}}, "'edit_revision'"),
        ({"data": {"nodes": []}, "edit_revision": "1"}, "'edit_revision'"),
        ({"data": {"nodes": []}, "edit_revision": True}, "'edit_revision'"),
        ({"data": {"nodes": [{"type": "start"}]}, "edit_revision": 1}, "Malformed node"),
        ({"data": {"nodes": "abc"}, "edit_revision": 1}, "Malformed node"),
        ({"data": {"nodes": [], "edges": [{"source": "a"}]}, "edit_revision": 1}, "Malformed"),
        ({"data": {"schema_version": 9, "nodes": []}, "edit_revision": 1}, "schema version"),
        ({"data": {"nodes": [{"id": "a", "type": "llm", "params": "x"}]}, "edit_revision": 1}, "Malformed"),
    ],
)
def test_a_body_that_is_not_a_graph_is_a_400(admin_client, pipeline, body, message):
    response = post_json(admin_client, url(pipeline, "save/"), body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    pipeline.refresh_from_db()
    assert pipeline.edit_revision == 1


def test_a_strange_but_well_formed_graph_saves_with_issues(admin_client, pipeline):
    data = {"nodes": [{"id": 1, "type": "nope", "params": {"x": [1]}}, {"id": "s", "type": "start"}], "edges": []}
    response = post_json(admin_client, url(pipeline, "save/"), {"data": data, "edit_revision": 1})
    assert response.status_code == 200
    messages = [issue["message"] for issue in response.json()["issues"]]
    assert "Unknown node type 'nope'" in messages
    assert any("End" in message for message in messages)


# --- Roles, versions and other teams


def test_a_viewer_gets_the_builder_read_only_and_403_on_writes(viewer_client, pipeline):
    response = viewer_client.get(url(pipeline))
    assert response.status_code == 200
    assert page_config(response)["read_only"] is True
    assert viewer_client.get(url(pipeline, "state/")).json()["read_only"] is True
    assert (
        post_json(viewer_client, url(pipeline, "save/"), {"data": pipeline.data, "edit_revision": 1}).status_code == 403
    )
    assert post_json(viewer_client, url(pipeline, "versions/"), {}).status_code == 403
    assert post_json(viewer_client, url(pipeline, "test/"), {"message": "hi"}).status_code == 403
    pipeline.refresh_from_db()
    assert (pipeline.edit_revision, pipeline.versions.count()) == (1, 0)


def test_a_version_opens_read_only_and_cannot_be_saved(admin_client, pipeline):
    version = actions.create_pipeline_version(pipeline=pipeline, description="first")
    config = page_config(admin_client.get(url(version)))
    assert config["read_only"] is True
    assert config["pipeline"]["version_number"] == 1
    assert config["pipeline"]["is_working_version"] is False
    assert config["versions"] == [
        {"version_number": 1, "description": "first", "created_at": config["versions"][0]["created_at"]}
    ]
    response = post_json(admin_client, url(version, "save/"), {"data": version.data, "edit_revision": 1})
    assert response.status_code == 403
    assert post_json(admin_client, url(version, "versions/"), {}).status_code == 403
    # Its sibling versions are readable from it too.
    assert admin_client.get(url(version, "versions/1/")).json()["description"] == "first"


def test_another_teams_pipeline_is_404_on_every_endpoint(admin_client, team, other_team):
    theirs = actions.create_pipeline(team=other_team, name="Theirs")
    base = f"/a/{team.slug}/pipelines/{theirs.pk}/builder/"
    for path in ("", "state/", "versions/1/"):
        assert admin_client.get(base + path).status_code == 404, path
    for path in ("save/", "versions/", "test/"):
        assert (
            post_json(admin_client, base + path, {"data": {}, "edit_revision": 1, "message": "hi"}).status_code == 404
        )
    # Nor under the other team's own slug, where this user is no member.
    assert admin_client.get(url(theirs)).status_code == 404
    assert post_json(admin_client, url(theirs, "save/"), {"data": {}, "edit_revision": 1}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.edit_revision == 1


def test_anonymous_visitors_are_sent_to_log_in(client, pipeline):
    assert client.get(url(pipeline)).status_code == 302
    assert post_json(client, url(pipeline, "test/"), {"message": "hi"}).status_code == 302


# --- Versions


def test_create_a_version_and_read_it_back(admin_client, pipeline):
    response = post_json(admin_client, url(pipeline, "versions/"), {"description": "  first cut "})
    assert response.status_code == 201
    assert response.json() == {"version_number": 1}
    assert post_json(admin_client, url(pipeline, "versions/"), "").json() == {"version_number": 2}

    detail = admin_client.get(url(pipeline, "versions/1/")).json()
    assert detail["version_number"] == 1
    assert detail["description"] == "first cut"
    assert detail["data"] == pipeline.data
    assert detail["created_at"].endswith("Z")
    assert admin_client.get(url(pipeline, "versions/3/")).status_code == 404
    versions = admin_client.get(url(pipeline, "state/")).json()["versions"]
    assert [v["version_number"] for v in versions] == [2, 1]


def test_an_invalid_graph_cannot_be_versioned(admin_client, team):
    broken = actions.create_pipeline(team=team, name="Broken")  # Start and End, unconnected
    response = post_json(admin_client, url(broken, "versions/"), {"description": "x"})
    assert response.status_code == 400
    body = response.json()
    assert "Fix the pipeline" in body["error"]
    assert {
        "message": "The End node cannot be reached from the Start node",
        "node_id": "end",
        "edge_id": None,
        "field": None,
    } in body["issues"]
    assert broken.versions.count() == 0
    assert post_json(admin_client, url(broken, "versions/"), {"description": 5}).status_code == 400
    assert post_json(admin_client, url(broken, "versions/"), "{").status_code == 400


# --- Test runs


def test_a_test_run_streams_node_events_tokens_then_done(admin_client, team, pipeline):
    body = {
        "message": "I feel sick",
        "participant_data": {"name": "Ama"},
        "history": [{"role": "human", "content": "Hello"}, {"role": "ai", "content": "Hi Ama"}],
    }
    with use_fake_llm("Please rest today") as fake:
        response = post_json(admin_client, url(pipeline, "test/"), body)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-cache"
        events = read_events(response)

    kinds = [(kind, data.get("node_id")) for kind, data in events]
    assert kinds == [
        ("node_start", "start"),
        ("node_end", "start"),
        ("node_start", "llm"),
        ("token", None),
        ("token", None),
        ("token", None),
        ("node_end", "llm"),
        ("node_start", "end"),
        ("node_end", "end"),
        ("done", None),
    ]
    assert events[2][1] == {"node_id": "llm", "name": "assistant", "type": "llm", "input": "I feel sick"}
    assert "".join(data["text"] for kind, data in events if kind == "token") == "Please rest today"
    llm_end = events[6][1]
    assert (llm_end["output"], llm_end["route"], llm_end["error"]) == ("Please rest today", None, None)
    assert set(llm_end) == {"node_id", "output", "route", "duration_ms", "error", "details"}
    done = events[-1][1]
    trace = Trace.objects.get(team=team)
    assert done == {
        "output": "Please rest today",
        "path": ["start", "llm", "end"],
        "routes": {},
        "participant_data": {"name": "Ama"},
        "trace_id": trace.pk,
        "trace_url": f"/a/{team.slug}/traces/{trace.pk}/",
    }
    # The history reached the model, between the prompt and the new message.
    sent = fake.calls[0]
    assert [type(m) for m in sent[1:]] == [HumanMessage, AIMessage, HumanMessage]
    assert [m.text for m in sent[1:]] == ["Hello", "Hi Ama", "I feel sick"]


def test_a_failing_node_ends_the_stream_with_an_error_naming_it(admin_client, team, pipeline):
    with use_fake_llm(errors.AuthenticationFailed("The API key for provider 'OpenAI' was rejected")):
        events = read_events(post_json(admin_client, url(pipeline, "test/"), {"message": "hi"}))
    assert [kind for kind, _ in events] == ["node_start", "node_end", "node_start", "node_end", "error"]
    assert "was rejected" in events[3][1]["error"]
    error = events[-1][1]
    trace = Trace.objects.get(team=team)
    assert error["node_id"] == "llm"
    assert "Node 'assistant' failed" in error["message"]
    assert (error["trace_id"], error["trace_url"]) == (trace.pk, f"/a/{team.slug}/traces/{trace.pk}/")
    assert error["issues"] is None


def test_an_invalid_graph_test_run_is_an_error_event_with_issues(admin_client, team):
    broken = actions.create_pipeline(team=team, name="Broken")
    events = read_events(post_json(admin_client, url(broken, "test/"), {"message": "hi"}))
    assert [kind for kind, _ in events] == ["error"]
    error = events[0][1]
    assert error["message"].startswith("The pipeline is not valid")
    assert error["node_id"] is None
    assert {
        "message": "The End node cannot be reached from the Start node",
        "node_id": "end",
        "edge_id": None,
        "field": None,
    } in error["issues"]


def test_a_test_run_of_a_plain_pipeline_needs_no_model(admin_client, team):
    template = node("t", "render_template", "greet", template_string="Hi {{ input }}, {{ participant_data.city }}")
    plain = actions.create_pipeline(team=team, name="Plain", data=linear(template).to_dict())
    events = read_events(
        post_json(admin_client, url(plain, "test/"), {"message": "Esi", "participant_data": {"city": "Accra"}})
    )
    assert events[-1][0] == "done"
    assert events[-1][1]["output"] == "Hi Esi, Accra"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("nope", "not JSON"),
        ({}, "'message'"),
        ({"message": "  "}, "'message'"),
        ({"message": 5}, "'message'"),
        ({"message": "x" * 10_001}, "longer than"),
        ({"message": "hi", "participant_data": [1]}, "'participant_data'"),
        ({"message": "hi", "history": "Hello"}, "'history'"),
        ({"message": "hi", "history": [{"role": "system", "content": "x"}]}, "history[0]"),
        ({"message": "hi", "history": [{"role": "ai", "content": 1}]}, "history[0]"),
        ({"message": "hi", "history": ["hi"]}, "history[0]"),
    ],
)
def test_bad_test_run_input_is_a_400_json_error(admin_client, pipeline, body, message):
    response = post_json(admin_client, url(pipeline, "test/"), body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_the_api_needs_post_where_it_writes(admin_client, pipeline):
    assert admin_client.get(url(pipeline, "save/")).status_code == 405
    assert admin_client.get(url(pipeline, "test/")).status_code == 405
    assert admin_client.post(url(pipeline, "state/")).status_code == 405


# --- Node type schemas


def test_node_types_describe_their_output_handles_and_field_hints():
    schemas = {schema["name"]: schema for schema in node_type_schemas()}
    assert schemas["llm"]["outputs"] == {"handles": ["output"]}
    assert schemas["start"]["outputs"] == {"handles": ["output"]}
    assert schemas["end"]["outputs"] == {"handles": []}
    for router in ("llm_router", "static_router"):
        assert schemas[router]["router"] is True
        assert schemas[router]["outputs"] == {"from_field": "keywords", "prefix": "output_"}
        assert schemas[router]["ui"]["keywords"] == {"widget": "keywords"}
    llm_ui = schemas["llm"]["ui"]
    assert llm_ui["prompt"] == {"widget": "prompt"}
    assert llm_ui["llm_model_id"] == {"widget": "llm_model", "provider_field": "llm_provider_id"}
    assert llm_ui["tools"] == {"widget": "multiselect"}
    assert llm_ui["history_type"] == {"group": "History"}
    assert llm_ui["history_max_messages"] == {"group": "History"}
    assert llm_ui["temperature"] == {"advanced": True}
    assert llm_ui["reasoning_effort"] == {"advanced": True}
    assert schemas["llm_router"]["ui"]["history_mode"] == {"group": "History"}
    assert schemas["extract_structured_data"]["ui"]["data_schema"] == {"widget": "json_schema"}
    assert schemas["python_code"]["ui"] == {
        "code": {"widget": "code", "language": "python"},
        "allowed_hosts": {"widget": "list"},
    }
    # Every hinted field is a parameter of its node type.
    for schema in schemas.values():
        assert set(schema["ui"]) <= set(schema["schema"].get("properties", {})), schema["name"]


def test_writes_need_the_csrf_token_from_the_config(team, admin_user, pipeline):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    token = page_config(client.get(url(pipeline)))["csrf_token"]
    body = json.dumps({"data": pipeline.data, "edit_revision": 1})
    assert client.post(url(pipeline, "save/"), body, content_type="application/json").status_code == 403
    response = client.post(url(pipeline, "save/"), body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
