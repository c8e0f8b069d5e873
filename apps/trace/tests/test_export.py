"""Export of a chatbot run's trace to the chatbot's trace provider (a fake Langfuse here)."""

import logging

import pytest

from apps.conversations.bot import respond
from apps.experiments import actions
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.service_providers.tests.factories import TraceProviderFactory
from apps.service_providers.tests.fake_http import FakeResponse
from apps.trace import export, tasks
from apps.trace.models import Trace
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

INGESTION = "/api/public/ingestion"


def accepted(request) -> FakeResponse:
    ids = [event["id"] for event in request.json()["batch"]]
    return FakeResponse(207, {"successes": [{"id": i, "status": 201} for i in ids], "errors": []})


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)


@pytest.fixture
def langfuse(team, fake_server):
    return TraceProviderFactory(
        team=team, config={"public_key": "pk-lf-1", "secret_key": "sk-lf-1", "host": fake_server.url}
    )


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.export_trace_to_provider, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def with_provider(chatbot, provider):
    chatbot.trace_provider = provider
    chatbot.save()
    return chatbot


def test_no_export_is_queued_without_a_trace_provider(chatbot, queued, django_capture_on_commit_callbacks):
    with use_fake_llm("Hello!"), django_capture_on_commit_callbacks(execute=True):
        respond(session_for(chatbot), "Hi")
    assert queued == []


def test_the_reply_queues_an_export_after_commit(chatbot, langfuse, queued, django_capture_on_commit_callbacks):
    with_provider(chatbot, langfuse)
    with use_fake_llm("Hello!"), django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = respond(session_for(chatbot), "Hi")
    assert queued == []  # nothing leaves before the reply is committed
    for callback in callbacks:
        callback()
    assert queued == [{"trace_id": reply.trace_id, "provider_id": langfuse.pk}]


def test_the_served_version_decides(chatbot, langfuse, queued, django_capture_on_commit_callbacks):
    actions.create_chatbot_version(experiment=chatbot, publish=True)  # published without tracing
    with_provider(chatbot, langfuse)  # only the working copy traces
    with use_fake_llm("Hello!"), django_capture_on_commit_callbacks(execute=True):
        respond(session_for(chatbot), "Hi")
    assert queued == []


def test_a_run_is_exported_to_langfuse(chatbot, langfuse, fake_server, django_capture_on_commit_callbacks):
    fake_server.route("POST", INGESTION, accepted)
    with_provider(chatbot, langfuse)
    session = session_for(chatbot)
    with use_fake_llm("Hello there!"), django_capture_on_commit_callbacks(execute=True):
        reply = respond(session, "Hi")

    [request] = fake_server.requests_to(INGESTION)
    batch = request.json()["batch"]
    trace = Trace.objects.get(pk=reply.trace_id)
    types = [event["type"] for event in batch]
    assert types[0] == "trace-create"
    assert len(batch) == 1 + trace.spans.count()
    body = batch[0]["body"]
    assert body["id"] == export.external_trace_id(trace)
    assert (body["name"], body["input"], body["output"]) == (chatbot.name, "Hi", "Hello there!")
    assert (body["sessionId"], body["userId"], body["version"]) == (str(session.public_id), "p1@example.org", "0")
    assert body["metadata"]["trace_id"] == trace.pk
    assert body["metadata"]["trace_url"].endswith(f"/a/{chatbot.team.slug}/traces/{trace.pk}/")
    [generation] = [event["body"] for event in batch if event["type"] == "generation-create"]
    assert generation["traceId"] == body["id"]
    assert generation["output"] == "Hello there!"
    assert generation["usage"]["output"] == 2  # the fake model counts words
    assert {event["body"]["name"] for event in batch[1:]} == set(trace.spans.values_list("node_name", flat=True))


def run_export(chatbot, langfuse) -> int:
    with use_fake_llm("Hello!"):
        trace_id = respond(session_for(chatbot), "Hi").trace_id
    assert trace_id is not None
    tasks.export_trace_to_provider.delay(trace_id=trace_id, provider_id=langfuse.pk)
    return trace_id


@pytest.fixture(autouse=True)
def retries_run_inline():
    """Eager tasks retry inline, as a worker would later; propagating errors would raise celery's
    Retry to the caller instead."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = propagates


def test_a_5xx_is_retried_with_the_same_ids(chatbot, langfuse, fake_server, caplog):
    attempts = []

    def flaky(request):
        attempts.append(request.json())
        return FakeResponse(503, b"busy") if len(attempts) < 3 else accepted(request)

    fake_server.route("POST", INGESTION, flaky)
    with caplog.at_level(logging.WARNING):
        run_export(chatbot, langfuse)
    assert len(attempts) == 3
    assert attempts[0] == attempts[1] == attempts[2]
    assert "not exported" not in caplog.text


def test_the_last_failure_is_logged_and_dropped(chatbot, langfuse, fake_server, caplog):
    fake_server.route("POST", INGESTION, FakeResponse(500, b"down"))
    with caplog.at_level(logging.WARNING):
        trace_id = run_export(chatbot, langfuse)
    assert len(fake_server.requests_to(INGESTION)) == 1 + tasks.export_trace_to_provider.max_retries
    assert f"Trace {trace_id} was not exported" in caplog.text
    assert "HTTP 500" in caplog.text


def test_refused_records_are_logged_without_retry(chatbot, langfuse, fake_server, caplog):
    def refuse_last(request):
        batch = request.json()["batch"]
        errors = [{"id": batch[-1]["id"], "status": 400, "message": "Invalid request data"}]
        return FakeResponse(207, {"successes": [], "errors": errors})

    fake_server.route("POST", INGESTION, refuse_last)
    with caplog.at_level(logging.WARNING):
        run_export(chatbot, langfuse)
    assert len(fake_server.requests_to(INGESTION)) == 1
    assert "refused 1 of" in caplog.text
    assert "Invalid request data" in caplog.text


def test_rejected_keys_are_not_retried(chatbot, langfuse, fake_server, caplog):
    fake_server.route("POST", INGESTION, FakeResponse(401, {"message": "Invalid credentials"}))
    with caplog.at_level(logging.WARNING):
        run_export(chatbot, langfuse)
    assert len(fake_server.requests_to(INGESTION)) == 1
    assert "was not exported" in caplog.text


def test_another_teams_provider_is_never_used(chatbot, other_team, fake_server):
    theirs = TraceProviderFactory(
        team=other_team, config={"public_key": "pk-lf-2", "secret_key": "sk-lf-2", "host": fake_server.url}
    )
    run_export(chatbot, theirs)
    assert fake_server.requests == []


def test_retry_delays_back_off_and_are_capped():
    assert [export.retry_delay(n) for n in range(5)] == [30, 60, 120, 240, 480]
    assert export.retry_delay(20) == export.RETRY_MAX_SECONDS


def test_long_texts_are_clipped(team, chatbot):
    with use_fake_llm("ok"):
        trace_id = respond(session_for(chatbot), "x" * (export.MAX_TEXT + 10)).trace_id
    payload = export.trace_payload(Trace.objects.get(pk=trace_id))
    assert payload.input.endswith("… [truncated]")
    assert len(payload.input) < export.MAX_TEXT + 20


def test_a_broken_queue_never_affects_the_reply(chatbot, langfuse, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(**kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.export_trace_to_provider, "delay", broker_down)
    with_provider(chatbot, langfuse)
    with use_fake_llm("Hello!"), django_capture_on_commit_callbacks(execute=True):
        reply = respond(session_for(chatbot), "Hi")
    assert reply.reply.content == "Hello!"


def test_an_export_waits_for_a_trace_still_being_written(chatbot, langfuse, fake_server, monkeypatch):
    """A reply's trace is written just after the reply commits (apps/trace/writer.py), so the export
    queued on that commit may find no row yet: it tries again shortly."""
    fake_server.route("POST", INGESTION, accepted)
    with use_fake_llm("Hello!"):
        trace_id = respond(session_for(chatbot), "Hi").trace_id
    real_export, attempts = export.export_trace, []

    def not_written_yet_the_first_time(**kwargs):
        attempts.append(kwargs)
        if len(attempts) == 1:
            raise export.TraceNotStored(trace_id)
        return real_export(**kwargs)

    monkeypatch.setattr(export, "export_trace", not_written_yet_the_first_time)
    tasks.export_trace_to_provider.delay(trace_id=trace_id, provider_id=langfuse.pk)
    assert len(attempts) == 2
    assert len(fake_server.requests_to(INGESTION)) == 1


def test_a_trace_that_never_appears_is_given_up(langfuse, fake_server, caplog):
    with caplog.at_level(logging.INFO):
        tasks.export_trace_to_provider.delay(trace_id=987654321, provider_id=langfuse.pk)
    assert "trace 987654321 was not stored" in caplog.text
    assert fake_server.requests == []
