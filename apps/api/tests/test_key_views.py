import pytest

from apps.api.keys import find_api_key
from apps.api.models import TeamApiKey
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_create_show_once_and_revoke(admin_client, team):
    url = f"/a/{team.slug}/team/api-keys/"
    created = admin_client.post(url, {"name": "CRM"})
    # Redirected with a 303, so the browser's reload repeats the GET, not the POST.
    assert created.status_code == 303
    assert created["Location"] == url
    page = admin_client.get(url).content.decode()
    key = TeamApiKey.objects.get(team=team)
    raw = page.split('select-all">')[1].split("<")[0]
    assert find_api_key(raw) == key
    assert page.count(raw) == 1
    reloaded = admin_client.get(url).content.decode()
    assert raw not in reloaded
    assert 'data-testid="new-key"' not in reloaded
    assert TeamApiKey.objects.filter(team=team).count() == 1  # the reload made no second key
    admin_client.post(f"{url}{key.pk}/revoke/")
    assert find_api_key(raw) is None


def test_bad_name_and_roles(client, admin_client, team):
    assert admin_client.post(f"/a/{team.slug}/team/api-keys/", {"name": ""}).status_code == 400
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.get(f"/a/{team.slug}/team/api-keys/").status_code == 403


def test_keys_show_their_owner_and_stop_working_when_the_owner_leaves(admin_client, team):
    from django.urls import reverse

    from apps.api.keys import create_api_key

    member = MembershipFactory(team=team, roles=[roles.TEAM_ADMIN])
    _, raw = create_api_key(team=team, name="CRM", created_by=member.user)
    _, team_raw = create_api_key(team=team, name="ops")  # made on the command line: the team's own
    page = admin_client.get(f"/a/{team.slug}/team/api-keys/").content.decode()
    assert member.user.email in page
    assert "the team (made on the command line)" in page

    assert admin_client.post(reverse("teams:remove_member", args=[team.slug, member.pk])).status_code == 302
    assert find_api_key(raw) is None
    assert find_api_key(team_raw) is not None


def test_a_deleted_account_takes_its_keys_with_it(team):
    from apps.api.keys import create_api_key

    member = MembershipFactory(team=team, roles=[roles.TEAM_ADMIN])
    key, raw = create_api_key(team=team, name="CRM", created_by=member.user)
    member.user.delete()
    assert find_api_key(raw) is None
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_api_refuses_a_removed_members_key(team, admin_membership):
    from rest_framework.test import APIClient

    from apps.api.keys import create_api_key
    from apps.teams import actions

    member = MembershipFactory(team=team, roles=[roles.TEAM_ADMIN])
    _, raw = create_api_key(team=team, name="CRM", created_by=member.user)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    assert client.get("/api/experiments/").status_code == 200
    actions.remove_member(membership=member, removed_by=admin_membership)
    assert client.get("/api/experiments/").status_code == 401
