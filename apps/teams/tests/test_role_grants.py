"""Nobody grants a role beyond their own: not by editing roles, not by inviting, and a member whose
roles go beyond yours is out of your reach."""

import pytest
from django.urls import reverse

from apps.teams import actions, roles
from apps.teams.exceptions import TeamActionError
from apps.teams.models import Invitation, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_admin(team, admin_membership):
    from apps.teams.tests.factories import MembershipFactory

    return MembershipFactory(team=team, roles=[roles.TEAM_ADMIN])


def group(name):
    return roles.role_groups([name])[0]


def test_a_team_admin_cannot_make_themselves_super_admin(team_admin):
    with pytest.raises(TeamActionError, match="do not allow granting Super Admin"):
        actions.set_member_roles(membership=team_admin, groups=[group(roles.SUPER_ADMIN)], changed_by=team_admin)
    assert team_admin.role_names == [roles.TEAM_ADMIN]


def test_a_team_admin_grants_only_roles_within_their_own(team, team_admin):
    from apps.teams.tests.factories import MembershipFactory

    member = MembershipFactory(team=team, roles=[roles.TEAM_ADMIN])
    with pytest.raises(TeamActionError, match="Chatbot Admin"):
        actions.set_member_roles(membership=member, groups=[group(roles.CHATBOT_ADMIN)], changed_by=team_admin)
    actions.set_member_roles(membership=member, groups=[group(roles.TEAM_ADMIN)], changed_by=team_admin)
    assert member.role_names == [roles.TEAM_ADMIN]


def test_a_super_admin_is_beyond_a_team_admins_reach(admin_membership, team_admin):
    with pytest.raises(TeamActionError, match="holds roles beyond yours"):
        actions.set_member_roles(membership=admin_membership, groups=[group(roles.CHAT_VIEWER)], changed_by=team_admin)
    with pytest.raises(TeamActionError, match="holds roles beyond yours"):
        actions.remove_member(membership=admin_membership, removed_by=team_admin)
    assert admin_membership.role_names == [roles.SUPER_ADMIN]
    # the Super Admin themselves may do both
    actions.set_member_roles(membership=team_admin, groups=[group(roles.CHATBOT_ADMIN)], changed_by=admin_membership)


def test_an_inviter_cannot_invite_above_their_own_roles(team, team_admin):
    with pytest.raises(TeamActionError, match="Super Admin"):
        actions.invite_member(
            team=team, invited_by=team_admin.user, email="boss@example.com", groups=[group(roles.SUPER_ADMIN)]
        )
    # no roles chosen means the default invitee role, which a Team Admin does not hold either
    with pytest.raises(TeamActionError, match="Chatbot Admin"):
        actions.invite_member(team=team, invited_by=team_admin.user, email="boss@example.com", groups=[])
    assert not Invitation.objects.filter(team=team).exists()
    invitation = actions.invite_member(
        team=team, invited_by=team_admin.user, email="peer@example.com", groups=[group(roles.TEAM_ADMIN)]
    )
    assert [g.name for g in invitation.groups.all()] == [roles.TEAM_ADMIN]


def test_the_roles_form_shows_the_refusal(client, team, team_admin):
    client.force_login(team_admin.user)
    url = reverse("teams:member_detail", args=[team.slug, team_admin.pk])
    response = client.post(url, {f"m{team_admin.pk}-groups": [group(roles.SUPER_ADMIN).pk]})
    assert response.status_code == 400
    assert "do not allow granting Super Admin" in response.content.decode()
    assert Membership.objects.get(pk=team_admin.pk).role_names == [roles.TEAM_ADMIN]


def test_the_invitation_form_shows_the_refusal(client, team, team_admin):
    client.force_login(team_admin.user)
    response = client.post(
        reverse("teams:send_invitation", args=[team.slug]),
        {"email": "boss@example.com", "groups": [group(roles.SUPER_ADMIN).pk]},
    )
    assert response.status_code == 400
    assert "do not allow granting Super Admin" in response.content.decode()
    assert not Invitation.objects.filter(team=team).exists()


def test_removing_a_super_admin_from_the_page_is_refused_for_a_team_admin(client, team, admin_membership, team_admin):
    client.force_login(team_admin.user)
    client.post(reverse("teams:remove_member", args=[team.slug, admin_membership.pk]))
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
