"""Participant pages: list (search, platform filter, pages), detail (sessions, data per chatbot)."""

import re

import pytest

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.participants.actions import get_or_create_participant
from apps.participants.models import Participant, ParticipantData
from apps.participants.views import PARTICIPANTS_PER_PAGE
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(team, *parts) -> str:
    return f"/a/{team.slug}/participants/" + "".join(f"{part}/" for part in parts)


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team, name="Clinic helper")


def test_list_search_filter_and_navigation(admin_client, team, chatbot):
    assert "No participants yet" in admin_client.get(url(team)).content.decode()
    ama = session_for(chatbot, identifier="ama@example.org", platform="web").participant
    session_for(chatbot, identifier="+233200000000", platform="whatsapp")
    get_or_create_participant(team=team, platform="telegram", identifier="kofi-42", name="Kofi")

    html = admin_client.get(url(team)).content.decode()
    for identifier in ("ama@example.org", "+233200000000", "kofi-42"):
        assert identifier in html
    assert f'href="{url(team, ama.pk)}"' in html
    assert '<option value="whatsapp">whatsapp</option>' in html
    without_icons = re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)
    assert f'<a href="{url(team)}" class="menu-active" aria-current="page">Participants</a>' in without_icons

    html = admin_client.get(url(team), {"q": "AMA@"}).content.decode()
    assert "ama@example.org" in html
    assert "kofi-42" not in html
    html = admin_client.get(url(team), {"q": "kofi"}).content.decode()  # by name too
    assert "kofi-42" in html
    assert "ama@example.org" not in html
    html = admin_client.get(url(team), {"platform": "whatsapp"}).content.decode()
    assert "+233200000000" in html
    assert "ama@example.org" not in html
    assert '<option value="whatsapp" selected>' in html
    assert "No matching participants" in admin_client.get(url(team), {"q": "nobody"}).content.decode()


def test_pagination(admin_client, team):
    for number in range(PARTICIPANTS_PER_PAGE + 3):
        get_or_create_participant(team=team, platform="api", identifier=f"p{number:03d}")
    first = admin_client.get(url(team), {"platform": "api"}).content.decode()
    assert "p000" in first
    assert f"p{PARTICIPANTS_PER_PAGE:03d}" not in first
    assert "Page 1 of 2" in first
    assert "?platform=api&page=2" in first
    second = admin_client.get(url(team), {"platform": "api", "page": 2}).content.decode()
    assert f"p{PARTICIPANTS_PER_PAGE + 2:03d}" in second
    assert "p000" not in second


def test_detail_lists_sessions_and_data(admin_client, team, chatbot):
    session = session_for(chatbot, identifier="ama@example.org")
    participant = session.participant
    other_bot = simple_chatbot(team, name="Survey bot")
    ParticipantData.objects.create(team=team, participant=participant, experiment=other_bot, data={"name": "Ama"})

    html = admin_client.get(url(team, participant.pk)).content.decode()
    assert f'href="/a/{team.slug}/chatbots/{chatbot.pk}/sessions/{session.public_id}/"' in html
    assert "Clinic helper" in html
    assert "Survey bot" in html
    assert "{\n  &quot;name&quot;: &quot;Ama&quot;\n}</textarea>" in html  # pretty-printed, escaped
    assert f'action="{url(team, participant.pk, "data", other_bot.pk)}"' in html
    assert f'action="{url(team, participant.pk, "data", chatbot.pk)}"' in html  # no data yet: {}


def test_edit_participant_data(admin_client, team, chatbot):
    participant = session_for(chatbot).participant
    field = f"chatbot-{chatbot.pk}-participant_data"
    response = admin_client.post(
        url(team, participant.pk, "data", chatbot.pk), {field: '{"name": "Ama", "visits": 3, "tags": ["a"]}'}
    )
    assert response["Location"] == url(team, participant.pk) + f"#data-{chatbot.pk}"
    row = ParticipantData.objects.get(participant=participant, experiment=chatbot)
    assert row.data == {"name": "Ama", "visits": 3, "tags": ["a"]}

    for text, error in [
        ('{"name": ', "This is not valid JSON"),
        ('["a", "b"]', "must be a JSON object"),
        ("42", "must be a JSON object"),
    ]:
        response = admin_client.post(url(team, participant.pk, "data", chatbot.pk), {field: text})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'data-field-error="participant_data"' in html
        assert error in html
        assert f"{text}</textarea>".replace('"', "&quot;") in html  # what was typed is kept
    row.refresh_from_db()
    assert row.data == {"name": "Ama", "visits": 3, "tags": ["a"]}

    admin_client.post(url(team, participant.pk, "data", chatbot.pk), {field: "  "})
    row.refresh_from_db()
    assert row.data == {}
    assert admin_client.get(url(team, participant.pk, "data", chatbot.pk)).status_code == 405


def test_viewer_reads_but_cannot_edit(client, team, chatbot):
    participant = session_for(chatbot).participant
    ParticipantData.objects.create(team=team, participant=participant, experiment=chatbot, data={"lang": "en"})
    client.force_login(MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user)
    html = client.get(url(team, participant.pk)).content.decode()
    assert "{\n  &quot;lang&quot;: &quot;en&quot;\n}</pre>" in html
    assert "<textarea" not in html
    field = f"chatbot-{chatbot.pk}-participant_data"
    assert client.post(url(team, participant.pk, "data", chatbot.pk), {field: "{}"}).status_code == 403
    assert ParticipantData.objects.get(participant=participant).data == {"lang": "en"}

    client.force_login(MembershipFactory(team=team, roles=[roles.EVALUATION_ADMIN]).user)
    assert client.get(url(team)).status_code == 403
    assert client.get(url(team, participant.pk)).status_code == 403


def test_another_teams_participants_are_404(admin_client, team, other_team, chatbot):
    theirs = simple_chatbot(other_team)
    their_participant = session_for(theirs, identifier="secret@example.org").participant
    mine = session_for(chatbot).participant
    assert "secret@example.org" not in admin_client.get(url(team)).content.decode()
    assert admin_client.get(url(team, their_participant.pk)).status_code == 404
    field = f"chatbot-{theirs.pk}-participant_data"
    assert admin_client.post(url(team, their_participant.pk, "data", theirs.pk), {field: "{}"}).status_code == 404
    # My participant with their chatbot: the chatbot is not found.
    assert admin_client.post(url(team, mine.pk, "data", theirs.pk), {field: "{}"}).status_code == 404
    assert not ParticipantData.objects.filter(experiment=theirs).exists()
    assert Participant.objects.filter(team=other_team).count() == 1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"name": "A\\ud800"}', "unpaired surrogates"),
        ('{"name": "A\\u0000"}', "NUL characters"),
        ('{"a": ' + "[" * 5_000 + "]" * 5_000 + "}", "Nested more than"),
        ('{"a": NaN}', "not valid JSON"),
    ],
)
def test_participant_data_that_cannot_be_stored_is_a_form_error(admin_client, team, chatbot, text, error):
    participant = session_for(chatbot).participant
    field = f"chatbot-{chatbot.pk}-participant_data"
    response = admin_client.post(url(team, participant.pk, "data", chatbot.pk), {field: text})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field-error="participant_data"' in html
    assert error in html
    assert not ParticipantData.objects.filter(participant=participant, experiment=chatbot).exists()


def test_data_stored_with_a_lone_surrogate_renders_and_can_be_edited(admin_client, team, chatbot):
    """Stored before the edges refused it: the pages render it scrubbed, and saving it repairs it."""
    participant = session_for(chatbot).participant
    row = ParticipantData.objects.create(
        team=team, participant=participant, experiment=chatbot, data={"name": "A\ud800", "note": "b\x00"}
    )
    for page in (url(team), url(team, participant.pk)):
        assert admin_client.get(page).status_code == 200
    html = admin_client.get(url(team, participant.pk)).content.decode()
    assert "A\ufffd" in html
    field = f"chatbot-{chatbot.pk}-participant_data"
    response = admin_client.post(url(team, participant.pk, "data", chatbot.pk), {field: '{"name": "A\ufffd"}'})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.data == {"name": "A\ufffd"}
