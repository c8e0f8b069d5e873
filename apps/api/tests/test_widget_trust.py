"""Who the widget API trusts: a participant_remote_id reaches that participant only when proven
(signed by the embedding site's server, a session token of theirs, or team credentials); session
tokens expire; the chatbot's consent form comes before the first message, as on the public link."""

import time
from unittest import mock

import pytest
from rest_framework.test import APIClient

from apps.api.tests.test_widget_api import ORIGIN, require_session_tokens, start, widget_client
from apps.api.widget_access import identity_signature, session_token
from apps.experiments.models import ConsentForm, ExperimentSession
from apps.participants.actions import get_or_create_participant
from apps.participants.models import ParticipantData
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(team, chatbot):
    participant = get_or_create_participant(team=team, platform="web", identifier="ama@example.org")
    ParticipantData.objects.create(team=team, participant=participant, experiment=chatbot, data={"hiv_status": "x"})
    return participant


def started_session(response) -> ExperimentSession:
    assert response.status_code == 201, response.content
    return ExperimentSession.objects.select_related("participant").get(public_id=response.json()["session_id"])


def test_an_unproven_remote_id_gets_a_separate_participant(widget, chatbot, victim):
    response = start(widget_client(widget), chatbot, participant_remote_id=victim.identifier)
    session = started_session(response)
    assert session.participant != victim
    assert session.participant.identifier.startswith("anonymous-")
    assert response.json()["participant"] == {"identifier": session.participant.identifier, "remote_id": ""}


def test_a_remote_id_signed_with_the_channel_secret_reaches_the_participant(widget, chatbot, victim):
    signature = identity_signature(widget, victim.identifier)
    response = start(
        widget_client(widget),
        chatbot,
        participant_remote_id=victim.identifier,
        participant_remote_id_signature=signature,
    )
    assert started_session(response).participant == victim
    assert response.json()["participant"]["remote_id"] == victim.identifier


def test_a_wrong_signature_is_a_field_error(widget, chatbot, victim, other_team):
    from apps.channels.models import ExperimentChannel

    other_channel = ExperimentChannel(team=other_team, embed_key="another-key")
    for signature in ["00" * 32, identity_signature(other_channel, victim.identifier)]:
        response = start(
            widget_client(widget),
            chatbot,
            participant_remote_id=victim.identifier,
            participant_remote_id_signature=signature,
        )
        assert response.status_code == 400
        assert "participant_remote_id_signature" in response.json()
    assert not ExperimentSession.objects.exists()


def test_a_signature_needs_a_widget_channel(chatbot, victim):
    response = start(
        APIClient(), chatbot, participant_remote_id=victim.identifier, participant_remote_id_signature="ab"
    )
    assert response.status_code == 400
    assert "participant_remote_id_signature" in response.json()


def test_a_session_token_of_the_participant_proves_the_remote_id(widget, chatbot, victim, team, other_team):
    earlier = start(
        widget_client(widget),
        chatbot,
        participant_remote_id=victim.identifier,
        participant_remote_id_signature=identity_signature(widget, victim.identifier),
    ).json()
    client = widget_client(widget)
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=earlier["session_token"]
    )
    assert started_session(start(client, chatbot, participant_remote_id=victim.identifier)).participant == victim
    # the same token does not vouch for anyone else
    assert started_session(
        start(client, chatbot, participant_remote_id="someone-else")
    ).participant.identifier.startswith("anonymous-")


def test_team_credentials_are_trusted_with_the_remote_id(api, chatbot, victim):
    assert started_session(start(api, chatbot, participant_remote_id=victim.identifier)).participant == victim


def test_session_tokens_expire(widget, chatbot, settings):
    require_session_tokens(widget)
    settings.WIDGET_SESSION_TOKEN_TTL = 3600
    session = started_session(start(widget_client(widget), chatbot))
    with mock.patch("time.time", return_value=time.time() - 3601):
        stale = session_token(session)
    client = widget_client(widget)
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=stale)
    response = client.post(f"/api/chat/{session.public_id}/message/", {"message": "Hi"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "error": "The session token has expired: start a new session",
        "code": "session_token_expired",
    }
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=session_token(session)
    )
    assert client.get(f"/api/chat/{session.public_id}/poll/").status_code == 200
    # a new session starts even with the stale token still sent, and that token vouches for nobody
    client.credentials(HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=stale)
    restarted = start(client, chatbot, participant_remote_id=session.participant.identifier)
    assert started_session(restarted).participant != session.participant


@pytest.fixture
def consenting(team, chatbot):
    chatbot.consent_form = ConsentForm.objects.create(
        team=team, name="Study", consent_text="We keep your messages for 30 days.", confirmation_text="I agree"
    )
    chatbot.save()
    return chatbot


def test_the_consent_form_comes_before_the_first_message(widget, consenting, django_capture_on_commit_callbacks):
    started = start(widget_client(widget), consenting)
    session = started_session(started)
    assert session.status == ExperimentSession.Status.PENDING_CONSENT
    consent = started.json()["consent"]
    assert consent["text"] == "We keep your messages for 30 days."
    assert consent["url"] == f"/api/chat/{session.public_id}/consent/"
    client = widget_client(widget)
    client.credentials(
        HTTP_X_EMBED_KEY=widget.embed_key, HTTP_ORIGIN=ORIGIN, HTTP_X_SESSION_TOKEN=started.json()["session_token"]
    )
    base = f"/api/chat/{session.public_id}/"

    refused = client.post(base + "message/", {"message": "Hi"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required"
    assert client.post(base + "message/stream/", {"message": "Hi"}, format="json").status_code == 403
    assert client.post(base + "upload/", {}).status_code == 403
    assert not session.chat.messages.exists()

    declined = client.post(base + "consent/", {"consent": False}, format="json")
    assert declined.status_code == 400
    assert "consent" in declined.json()
    assert client.post(base + "consent/", {"consent": True}, format="json").json() == {"session_status": "active"}
    with use_fake_llm("Hello"), django_capture_on_commit_callbacks(execute=True):
        assert client.post(base + "message/", {"message": "Hi"}, format="json").status_code == 202


def test_consent_needs_the_session_token(widget, consenting):
    require_session_tokens(widget)
    session = started_session(start(widget_client(widget), consenting))
    response = widget_client(widget).post(f"/api/chat/{session.public_id}/consent/", {"consent": True}, format="json")
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == ExperimentSession.Status.PENDING_CONSENT


def test_team_credentials_answer_for_consent_themselves(api, consenting):
    # as on the API channel: the team that holds the key is responsible for its participants' consent
    session = started_session(start(api, consenting))
    assert session.status == ExperimentSession.Status.ACTIVE


def test_the_identity_secret_is_shown_to_channel_managers_only(client, admin_client, team, chatbot, widget):
    from apps.teams import roles
    from apps.teams.tests.factories import MembershipFactory

    url = f"/a/{team.slug}/chatbots/{chatbot.pk}/share/"
    assert widget.identity_secret in admin_client.get(url).content.decode()
    client.force_login(MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user)
    page = client.get(url)
    assert page.status_code == 200
    assert widget.identity_secret not in page.content.decode()


def test_a_signature_that_is_not_hex_is_a_field_error(widget, chatbot, victim):
    response = start(
        widget_client(widget), chatbot, participant_remote_id=victim.identifier, participant_remote_id_signature="é"
    )
    assert response.status_code == 400
    assert "participant_remote_id_signature" in response.json()
