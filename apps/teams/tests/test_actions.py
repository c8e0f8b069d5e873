from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.teams import actions, roles
from apps.teams.exceptions import TeamActionError
from apps.teams.models import Invitation, Membership
from apps.teams.tests.factories import InvitationFactory, MembershipFactory
from apps.users.tests.factories import UserFactory


@pytest.mark.django_db
def test_creator_becomes_super_admin_with_unique_slug(user):
    first = actions.create_team(creator=user, name="Health Team")
    second = actions.create_team(creator=user, name="Health Team")
    assert (first.slug, second.slug) == ("health-team", "health-team-2")
    membership = Membership.objects.get(team=first, user=user)
    assert membership.role_names == [roles.SUPER_ADMIN]
    assert membership.has_perm("teams.change_membership")


@pytest.mark.django_db
def test_invitation_is_emailed_with_accept_link(team, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = actions.invite_member(team=team, invited_by=admin_user, email="New@Example.com", groups=[])
    assert invitation.email == "new@example.com"
    assert [g.name for g in invitation.groups.all()] == list(roles.DEFAULT_INVITEE_ROLES)
    assert len(mail.outbox) == 1
    assert str(invitation.token) in mail.outbox[0].body
    assert mail.outbox[0].to == ["new@example.com"]


@pytest.mark.django_db
def test_inviting_an_existing_member_is_refused(team, admin_user):
    with pytest.raises(TeamActionError, match="already a member"):
        actions.invite_member(team=team, invited_by=admin_user, email=admin_user.email.upper(), groups=[])


@pytest.mark.django_db
def test_reinviting_replaces_the_pending_invitation(team, admin_user):
    first = actions.invite_member(team=team, invited_by=admin_user, email="a@example.com", groups=[])
    second = actions.invite_member(team=team, invited_by=admin_user, email="a@example.com", groups=[])
    assert list(Invitation.objects.filter(team=team)) == [second]
    assert first.token != second.token


@pytest.mark.django_db
def test_accepting_gives_the_invited_roles_once(team):
    invitation = InvitationFactory(team=team, email="viewer@example.com")
    invitation.groups.set(roles.role_groups([roles.CHAT_VIEWER]))
    user = UserFactory(email="viewer@example.com")
    membership = actions.accept_invitation(invitation=invitation, user=user)
    assert membership.role_names == [roles.CHAT_VIEWER]
    assert not membership.has_perm("teams.add_invitation")
    with pytest.raises(TeamActionError, match="already used"):
        actions.accept_invitation(invitation=invitation, user=user)


@pytest.mark.django_db
def test_accepting_needs_the_invited_address_and_an_unexpired_link(team):
    invitation = InvitationFactory(team=team, email="right@example.com")
    with pytest.raises(TeamActionError, match="Log in with that address"):
        actions.accept_invitation(invitation=invitation, user=UserFactory(email="wrong@example.com"))
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    with pytest.raises(TeamActionError, match="expired"):
        actions.accept_invitation(invitation=invitation, user=UserFactory(email="right@example.com"))


@pytest.mark.django_db
def test_the_last_member_manager_cannot_leave_or_lose_the_role(team, admin_membership):
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER])
    with pytest.raises(TeamActionError, match="at least one member"):
        actions.leave_team(membership=admin_membership)
    with pytest.raises(TeamActionError, match="at least one member"):
        actions.set_member_roles(
            membership=admin_membership, groups=roles.role_groups([roles.CHAT_VIEWER]), changed_by=admin_membership
        )
    actions.set_member_roles(
        membership=viewer, groups=roles.role_groups([roles.TEAM_ADMIN]), changed_by=admin_membership
    )
    actions.leave_team(membership=admin_membership)
    assert list(Membership.objects.filter(team=team)) == [viewer]


@pytest.mark.django_db
def test_roles_grant_permissions_of_apps_by_label():
    groups = {g.name: g for g in roles.role_groups(roles.ROLES)}
    assert set(groups) == set(roles.ROLES)
    team_admin = {f"{p.content_type.app_label}.{p.codename}" for p in groups[roles.TEAM_ADMIN].permissions.all()}
    assert {"teams.add_invitation", "teams.change_membership", "teams.delete_membership"} <= team_admin
    assert not any(p.startswith("experiments.") for p in team_admin)
