"""The widget API writes sessions only through the sessions' actions (apps.experiments.sessions): a
session is stored once, as it starts, and the page context joins the state on the locked row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.api.views import widget_api
from apps.channels.models import ExperimentChannel
from apps.experiments import actions, sessions
from apps.experiments.models import ExperimentSession
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db
ORIGIN = "https://clinic.example.org"


def start(client, chatbot, **extra):
    return client.post("/api/chat/start/", {"chatbot_id": str(chatbot.public_id), **extra}, format="json")


def test_the_page_context_keeps_state_written_meanwhile(team, chatbot, monkeypatch, django_capture_on_commit_callbacks):
    widget = ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=[ORIGIN]
    )
    client = APIClient()
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN)
    started = start(client, chatbot).json()
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started["session_token"]
    )
    session = ExperimentSession.objects.get(public_id=started["session_id"])
    check_consent = widget_api.check_consent

    def check_consent_while_the_pipeline_writes(loaded):
        # After the view has read the session: another request (a pipeline's reply, the state API)
        # writes the state, as it may at any moment.
        sessions.update_session_state(session=ExperimentSession.objects.get(pk=session.pk), state={"step": 2})
        return check_consent(loaded)

    monkeypatch.setattr(widget_api, "check_consent", check_consent_while_the_pipeline_writes)
    with use_fake_llm("Hello"), django_capture_on_commit_callbacks(execute=False):
        sent = client.post(
            f"/api/chat/{session.public_id}/message/", {"message": "Hi", "context": {"page": "/faq"}}, format="json"
        )
    assert sent.status_code == 202
    session.refresh_from_db()
    assert session.state == {"step": 2, "remote_context": {"page": "/faq"}}


def test_a_session_is_stored_once_as_it_starts(api, chatbot):
    with use_fake_llm():
        actions.create_chatbot_version(experiment=chatbot)
    table = ExperimentSession._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        body = start(api, chatbot, version_number=1, session_data={"plan": "gold"}).json()
    writes = [q["sql"] for q in queries.captured_queries if table in q["sql"] and not q["sql"].startswith("SELECT")]
    assert len(writes) == 1
    assert writes[0].startswith("INSERT")
    session = ExperimentSession.objects.get(public_id=body["session_id"])
    assert (session.version_number, session.state, session.status) == (1, {"plan": "gold"}, "active")


def test_an_unknown_version_starts_no_session(api, chatbot):
    assert start(api, chatbot, version_number=7).status_code == 404
    assert not ExperimentSession.objects.exists()


def test_a_consent_form_of_the_pinned_version_comes_first(team, chatbot):
    """The consent form is the served version's, found before the session is stored."""
    from apps.experiments.models import ConsentForm

    form = ConsentForm.objects.create(team=team, name="Consent", consent_text="Agree?")
    chatbot.consent_form = form
    chatbot.save(update_fields=["consent_form"])
    body = start(APIClient(), chatbot).json()
    assert body["consent"] is not None
    assert ExperimentSession.objects.get(public_id=body["session_id"]).status == "pending_consent"
