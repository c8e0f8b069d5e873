import pytest

from apps.api.keys import find_api_key
from apps.api.models import TeamApiKey
from apps.teams import roles
from apps.utils.factories.team import MembershipFactory

pytestmark = pytest.mark.django_db


def test_create_show_once_and_revoke(admin_client, team):
    url = f"/a/{team.slug}/team/api-keys/"
    page = admin_client.post(url, {"name": "CRM"}).content.decode()
    key = TeamApiKey.objects.get(team=team)
    raw = page.split('select-all">')[1].split("<")[0]
    assert find_api_key(raw) == key
    assert raw not in admin_client.get(url).content.decode()  # shown once only
    admin_client.post(f"{url}{key.pk}/revoke/")
    assert find_api_key(raw) is None


def test_bad_name_and_roles(client, admin_client, team):
    assert admin_client.post(f"/a/{team.slug}/team/api-keys/", {"name": ""}).status_code == 400
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.get(f"/a/{team.slug}/team/api-keys/").status_code == 403
