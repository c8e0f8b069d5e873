"""Consent forms and source material: list, create, edit, archive."""

import re

import pytest

from apps.experiments.models import ConsentForm, SourceMaterial
from apps.experiments.tests.factories import simple_chatbot
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CONSENT = {
    "name": "Study consent",
    "consent_text": "We keep your messages for **30 days**.",
    "confirmation_text": "I agree",
    "capture_identifier": "on",
    "identifier_label": "Email address",
    "identifier_type": "email",
}
MATERIAL = {"topic": "Clinic FAQ", "description": "Opening hours", "material": "We open at 9."}


def url(team, kind, *parts) -> str:
    return f"/a/{team.slug}/chatbots/{kind}/" + "".join(f"{part}/" for part in parts)


def test_consent_form_round_trip(admin_client, team):
    html = admin_client.get(url(team, "consent-forms")).content.decode()
    assert "None yet" in html
    assert f'href="{url(team, "consent-forms", "new")}"' in html
    assert admin_client.get(url(team, "consent-forms", "new")).status_code == 200

    response = admin_client.post(url(team, "consent-forms", "new"), CONSENT)
    assert response["Location"] == url(team, "consent-forms")
    consent = ConsentForm.objects.get(team=team)
    assert (consent.name, consent.consent_text, consent.capture_identifier) == (
        "Study consent",
        CONSENT["consent_text"],
        True,
    )
    assert consent.is_working_version

    html = admin_client.get(url(team, "consent-forms")).content.decode()
    assert "Study consent" in html
    assert "Asks for: Email address" in html
    page = admin_client.get(url(team, "consent-forms", consent.pk)).content.decode()
    assert "We keep your messages for **30 days**." in page
    assert 'data-markdown-preview="id_consent_text"' in page

    changed = {**CONSENT, "name": "Renamed", "capture_identifier": "", "identifier_label": ""}
    response = admin_client.post(url(team, "consent-forms", consent.pk), changed)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert (consent.name, consent.capture_identifier, consent.identifier_label) == ("Renamed", False, "Email address")

    response = admin_client.post(url(team, "consent-forms", consent.pk, "archive"))
    assert response["Location"] == url(team, "consent-forms")
    consent.refresh_from_db()
    assert consent.is_archived
    assert ConsentForm.objects.filter(pk=consent.pk).exists()  # archived, never deleted
    assert url(team, "consent-forms", consent.pk) not in admin_client.get(url(team, "consent-forms")).content.decode()
    assert admin_client.get(url(team, "consent-forms", consent.pk)).status_code == 404


def test_consent_form_field_errors(admin_client, team):
    response = admin_client.post(
        url(team, "consent-forms", "new"), {**CONSENT, "name": "", "identifier_label": "", "identifier_type": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("name", "identifier_label", "identifier_type"):
        assert f'data-field-error="{field}"' in html
    assert not ConsentForm.objects.exists()

    consent = ConsentForm.objects.create(team=team, name="Kept", consent_text="OK?")
    response = admin_client.post(url(team, "consent-forms", consent.pk), {**CONSENT, "consent_text": ""})
    assert response.status_code == 400
    assert 'data-field-error="consent_text"' in response.content.decode()
    consent.refresh_from_db()
    assert consent.consent_text == "OK?"


def test_only_working_copies_are_listed_and_edited(admin_client, team):
    consent = ConsentForm.objects.create(team=team, name="Consent", consent_text="v1")
    version = consent.create_version()
    html = admin_client.get(url(team, "consent-forms")).content.decode()
    assert html.count(f'href="{url(team, "consent-forms", consent.pk)}"') == 1
    assert url(team, "consent-forms", version.pk) not in html
    assert admin_client.get(url(team, "consent-forms", version.pk)).status_code == 404
    assert admin_client.post(url(team, "consent-forms", version.pk, "archive")).status_code == 404


def test_archive_is_refused_while_a_chatbot_uses_it(admin_client, team):
    chatbot = simple_chatbot(team, name="Clinic helper")
    consent = ConsentForm.objects.create(team=team, name="Consent", consent_text="OK?")
    chatbot.consent_form = consent
    chatbot.save()
    assert "Clinic helper" in admin_client.get(url(team, "consent-forms")).content.decode()

    response = admin_client.post(url(team, "consent-forms", consent.pk, "archive"), follow=True)
    consent.refresh_from_db()
    assert not consent.is_archived
    html = response.content.decode()
    assert "is used by “Clinic helper”" in html
    assert "Choose another consent form in its settings first" in html

    # A chatbot version's frozen copy does not block archiving the working copy once it is unlinked.
    chatbot.create_version()
    chatbot.consent_form = None
    chatbot.save()
    admin_client.post(url(team, "consent-forms", consent.pk, "archive"))
    consent.refresh_from_db()
    assert consent.is_archived


def test_source_material_round_trip_and_refusal(admin_client, team):
    response = admin_client.post(url(team, "source-material", "new"), {**MATERIAL, "material": ""})
    assert response.status_code == 400
    assert 'data-field-error="material"' in response.content.decode()

    response = admin_client.post(url(team, "source-material", "new"), MATERIAL)
    assert response["Location"] == url(team, "source-material")
    material = SourceMaterial.objects.get(team=team)
    assert material.topic == "Clinic FAQ"
    assert "Clinic FAQ" in admin_client.get(url(team, "source-material")).content.decode()

    admin_client.post(url(team, "source-material", material.pk), {**MATERIAL, "material": "We open at 10."})
    material.refresh_from_db()
    assert material.material == "We open at 10."

    chatbot = simple_chatbot(team, name="FAQ bot")
    chatbot.source_material = material
    chatbot.save()
    response = admin_client.post(url(team, "source-material", material.pk, "archive"), follow=True)
    assert "is used by “FAQ bot”" in response.content.decode()
    material.refresh_from_db()
    assert not material.is_archived

    chatbot.source_material = None
    chatbot.save()
    admin_client.post(url(team, "source-material", material.pk, "archive"))
    material.refresh_from_db()
    assert material.is_archived


def test_another_teams_resources_are_404(admin_client, team, other_team):
    consent = ConsentForm.objects.create(team=other_team, name="Theirs", consent_text="x")
    material = SourceMaterial.objects.create(team=other_team, topic="Theirs", material="x")
    for kind, resource in (("consent-forms", consent), ("source-material", material)):
        assert admin_client.get(url(team, kind, resource.pk)).status_code == 404
        assert admin_client.post(url(team, kind, resource.pk), {**CONSENT, **MATERIAL}).status_code == 404
        assert admin_client.post(url(team, kind, resource.pk, "archive")).status_code == 404
        assert "Theirs" not in admin_client.get(url(team, kind)).content.decode()
    consent.refresh_from_db()
    material.refresh_from_db()
    assert (consent.name, consent.is_archived, material.topic, material.is_archived) == (
        "Theirs",
        False,
        "Theirs",
        False,
    )


def test_a_viewer_can_read_but_not_change(client, team):
    consent = ConsentForm.objects.create(team=team, name="Consent", consent_text="OK?")
    material = SourceMaterial.objects.create(team=team, topic="FAQ", material="x")
    client.force_login(MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user)
    for kind, resource, data in (("consent-forms", consent, CONSENT), ("source-material", material, MATERIAL)):
        list_html = client.get(url(team, kind)).content.decode()
        assert str(resource) in list_html
        assert url(team, kind, "new") not in list_html
        page = client.get(url(team, kind, resource.pk))
        assert page.status_code == 200
        assert "Archive" not in page.content.decode()
        assert client.get(url(team, kind, "new")).status_code == 403
        assert client.post(url(team, kind, "new"), data).status_code == 403
        assert client.post(url(team, kind, resource.pk), data).status_code == 403
        assert client.post(url(team, kind, resource.pk, "archive")).status_code == 403
    consent.refresh_from_db()
    assert consent.name == "Consent"
    assert not consent.is_archived


def test_settings_and_navigation_link_to_the_resources(admin_client, team):
    chatbot = simple_chatbot(team)
    html = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/settings/").content.decode()
    assert f'href="{url(team, "consent-forms")}"' in html
    assert f'href="{url(team, "source-material")}"' in html
    html = admin_client.get(url(team, "consent-forms")).content.decode()
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)  # the entries' icons
    assert f'<a href="{url(team, "consent-forms")}" class="menu-active" aria-current="page">Consent forms</a>' in html
    assert f'<a href="/a/{team.slug}/chatbots/" >Chatbots</a>' in html  # only the closest entry is active
