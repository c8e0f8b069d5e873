"""Pipelines in the database: revisions, versions, the ORM repository, traces, import/export."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.pipelines import actions
from apps.pipelines.exceptions import PipelineActionError, StaleEdit
from apps.pipelines.exporting import export_pipeline
from apps.pipelines.models import Pipeline, PipelineChatHistory
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.runtime.runner import run_pipeline
from apps.pipelines.tests.graphs import edge, linear, node, pipeline
from apps.service_providers.actions import delete_provider
from apps.service_providers.exceptions import ProviderInUse
from apps.service_providers.kinds import get_kind
from apps.service_providers.models import LlmProviderModel, LlmUsage
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.trace.models import Trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def llm(team):
    provider = LlmProviderFactory(team=team)
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    return {"llm_provider_id": provider.pk, "llm_model_id": model.pk}


@pytest.fixture
def assistant(team, llm):
    graph = linear(node("llm", "llm", name="assistant", history_type="node", **llm))
    return actions.create_pipeline(team=team, name="Assistant", data=graph.to_dict())


def test_saving_with_a_stale_revision_is_refused(assistant):
    data = assistant.data
    issues = actions.save_pipeline_data(pipeline=assistant, data=data, expected_revision=1)
    assert issues == []
    assert assistant.edit_revision == 2
    with pytest.raises(StaleEdit):
        actions.save_pipeline_data(pipeline=assistant, data=data, expected_revision=1)


def test_an_invalid_draft_is_saved_with_its_issues(assistant):
    data = linear(node("t", "render_template", template_string="{% if %}")).to_dict()
    issues = actions.save_pipeline_data(pipeline=assistant, data=data, expected_revision=1)
    assert [issue.node_id for issue in issues] == ["t"]
    with pytest.raises(PipelineActionError, match="Fix the pipeline"):
        actions.create_pipeline_version(pipeline=assistant)


def test_versions_are_numbered_immutable_copies(assistant):
    first = actions.create_pipeline_version(pipeline=assistant, description="first")
    changed = linear(node("t", "render_template", template_string="v2")).to_dict()
    actions.save_pipeline_data(pipeline=assistant, data=changed, expected_revision=1)
    second = actions.create_pipeline_version(pipeline=assistant)
    assert (first.version_number, second.version_number) == (1, 2)
    assert first.working_version == assistant
    assert first.data != second.data
    assert [name for name, *_ in first.compare_with(second)] == ["data"]
    with pytest.raises(PipelineActionError):
        actions.save_pipeline_data(pipeline=first, data=changed, expected_revision=first.edit_revision)
    actions.archive_pipeline(pipeline=assistant)
    assert Pipeline.objects.filter(is_archived=True).count() == 3


def test_a_run_through_the_database(team, assistant):
    repo = OrmRepository(team)
    with use_fake_llm("Hello from the pipeline"):
        result = run_pipeline(
            assistant.graph, RunInput("hi", session_id=77, chatbot_id=5, pipeline_id=assistant.pk), repo
        )
    assert result.output == "Hello from the pipeline"
    trace = Trace.objects.get(pk=result.trace_id)
    assert (trace.team, trace.pipeline, trace.status, trace.session_id) == (team, assistant, "success", 77)
    assert [span.node_name for span in trace.spans.all()] == ["start", "assistant", "end"]
    usage = LlmUsage.objects.get(team=team)
    assert (usage.chatbot_id, usage.session_id, usage.source) == (5, 77, "pipeline")
    history = PipelineChatHistory.objects.get(team=team, session_id=77)
    assert [message["data"]["content"] for message in history.messages] == ["hi", "Hello from the pipeline"]


def test_runs_outside_a_session_do_not_share_node_histories(team, assistant):
    data = assistant.graph.to_dict()
    data["nodes"][1]["params"]["history_type"] = "node"
    with use_fake_llm("first", "second") as fake:
        run_pipeline(data, RunInput("one"), OrmRepository(team))
        run_pipeline(data, RunInput("two"), OrmRepository(team))
    assert [message.text for message in fake.calls[1]][1:] == ["two"]  # no "one"/"first" from the other run
    assert not PipelineChatHistory.objects.filter(team=team).exists()


def test_email_is_sent_by_a_task_after_commit(team, django_capture_on_commit_callbacks):
    graph = linear(node("email", "send_email", recipient_list="lead@example.org", subject="Alert", body="{{ input }}"))
    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline(graph, RunInput("help needed"), OrmRepository(team))
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["lead@example.org"], "Alert", "help needed")]


def test_providers_of_another_team_are_invalid(team, other_team):
    foreign = LlmProviderFactory(team=other_team)
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    graph = linear(node("llm", "llm", llm_provider_id=foreign.pk, llm_model_id=model.pk))
    issues = actions.pipeline_issues(actions.create_pipeline(team=team, name="x", data=graph.to_dict()))
    assert [(i.node_id, i.field) for i in issues] == [("llm", "llm_model_id")]


def test_a_provider_used_by_a_pipeline_cannot_be_deleted(assistant, llm):
    from apps.service_providers.models import LlmProvider

    provider = LlmProvider.objects.get(pk=llm["llm_provider_id"])
    with pytest.raises(ProviderInUse, match="pipeline “Assistant”"):
        delete_provider(provider=provider, kind=get_kind("llm"))


def test_export_and_import(team, other_team, assistant):
    exported = export_pipeline(assistant)
    assert exported["format"] == "chatstudio.pipeline"
    imported = actions.import_pipeline(team=other_team, exported=json.loads(json.dumps(exported)))
    assert (imported.team, imported.name, imported.data) == (other_team, "Assistant", assistant.data)
    with pytest.raises(PipelineActionError, match="Not a pipeline export"):
        actions.import_pipeline(team=team, exported={"nodes": []})


def test_run_pipeline_command(team, tmp_path):
    graph = linear(node("t", "render_template", template_string="Hello {{ participant_data.name }}: {{ input }}"))
    path = tmp_path / "hello.json"
    path.write_text(json.dumps({"format": "chatstudio.pipeline", "name": "Hello", "pipeline": graph.to_dict()}))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "run_pipeline",
        team=team.slug,
        file=path,
        message="hi",
        participant_data='{"name": "Esi"}',
        stdout=out,
        stderr=err,
    )
    assert out.getvalue().strip() == "Hello Esi: hi"
    assert "start -> t -> end" in err.getvalue()
    saved = actions.create_pipeline(team=team, name="saved", data=graph.to_dict())
    out = io.StringIO()
    call_command("run_pipeline", team=team.slug, pipeline=saved.pk, message="yo", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Hello : yo"
    with pytest.raises(CommandError, match="has no pipeline"):
        call_command("run_pipeline", team=team.slug, pipeline=999999, message="x")


def test_import_and_export_commands(team, assistant, tmp_path):
    out = io.StringIO()
    call_command("export_pipeline", team=team.slug, pipeline=assistant.pk, stdout=out)
    path = tmp_path / "export.json"
    path.write_text(out.getvalue())
    out = io.StringIO()
    call_command("import_pipeline", str(path), team=team.slug, name="Copy", stdout=out)
    assert Pipeline.objects.filter(team=team, name="Copy").exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_branches_give_their_connections_back_to_the_pool():
    """Parallel branches run on LangGraph's threads: their connections must go back to the pool,
    or a few fan-out messages would exhaust it."""
    from django.db import connection

    from apps.teams.tests.factories import TeamFactory

    if not connection.settings_dict.get("OPTIONS", {}).get("pool"):
        pytest.skip("needs the connection pool (DB_POOL)")
    team = TeamFactory()
    provider = LlmProviderFactory(team=team)
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    llm = {"llm_provider_id": provider.pk, "llm_model_id": model.pk, "history_type": "node"}
    nodes = [
        node("start", "start"),
        node("left", "llm", **llm),
        node("right", "llm", **llm),
        node("merge", "render_template", template_string="{{ input }}"),
        node("end", "end"),
    ]
    edges = [
        edge("start", "left"),
        edge("start", "right"),
        edge("left", "merge"),
        edge("right", "merge"),
        edge("merge", "end"),
    ]
    graph = pipeline(nodes, edges)
    pool = connection.pool
    connection.close()
    in_use = lambda: pool.get_stats()["pool_size"] - pool.get_stats()["pool_available"]  # noqa: E731
    before = in_use()
    with use_fake_llm():
        for turn in range(3):
            run_pipeline(graph, RunInput(f"turn {turn}", session_id=1), OrmRepository(team))
    connection.close()
    assert in_use() == before
