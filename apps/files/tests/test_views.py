"""Downloading a file from the team pages: members who may read conversations, of that team only."""

import pytest

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.testing import downloaded, upload
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def stored_file(team):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    [file] = actions.store_upload(session=session_for(chatbot), files=[upload("Dose plan.txt")])
    return file


def test_a_member_downloads_an_attachment(admin_client, team):
    file = stored_file(team)
    response = admin_client.get(f"/a/{team.slug}/files/{file.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Dose plan.txt"'
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Security-Policy"] == "sandbox"
    assert downloaded(response) == b"Take two tablets daily."


def test_another_teams_file_is_not_found(admin_client, team, other_team):
    theirs = stored_file(other_team)
    assert admin_client.get(f"/a/{team.slug}/files/{theirs.pk}/").status_code == 404
    assert admin_client.get(f"/a/{other_team.slug}/files/{theirs.pk}/").status_code == 404  # not a member


def test_anonymous_visitors_log_in_and_roles_without_chat_access_are_refused(client, team):
    file = stored_file(team)
    assert client.get(f"/a/{team.slug}/files/{file.pk}/").status_code == 302
    member = MembershipFactory(team=team, roles=[roles.EVENT_ADMIN]).user
    client.force_login(member)
    assert client.get(f"/a/{team.slug}/files/{file.pk}/").status_code == 403
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.get(f"/a/{team.slug}/files/{file.pk}/").status_code == 200


def test_the_stored_path_is_not_served_as_public_media(client, team):
    file = stored_file(team)
    assert client.get(f"/media/{file.file.name}").status_code == 404
