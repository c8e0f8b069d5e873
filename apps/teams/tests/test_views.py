import pytest
from django.core import mail
from django.urls import reverse

from apps.teams import roles
from apps.teams.models import Invitation, Membership, Team
from apps.teams.tests.factories import InvitationFactory, MembershipFactory
from apps.users.tests.factories import UserFactory


@pytest.mark.django_db
def test_create_team_page_creates_and_opens_the_team(client, user):
    client.force_login(user)
    response = client.post(reverse("account_teams:create"), {"name": "Nutrition"})
    team = Team.objects.get(name="Nutrition")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:team_home", args=[team.slug])
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_create_team_with_blank_name_shows_a_field_error(client, user):
    client.force_login(user)
    response = client.post(reverse("account_teams:create"), {"name": "   "})
    assert response.status_code == 400
    assert b'data-field-error="name"' in response.content
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_settings_lists_members_and_renames(admin_client, team, admin_user):
    url = reverse("teams:settings", args=[team.slug])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert admin_user.email.encode() in response.content
    assert admin_client.post(url, {"name": "Renamed"}).status_code == 302
    team.refresh_from_db()
    assert team.name == "Renamed"


@pytest.mark.django_db
def test_invite_with_bad_email_is_a_field_error(admin_client, team):
    response = admin_client.post(reverse("teams:send_invitation", args=[team.slug]), {"email": "not-an-email"})
    assert response.status_code == 400
    assert b'data-field-error="email"' in response.content
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invite_and_accept_end_to_end(admin_client, team, client, django_capture_on_commit_callbacks):
    viewer_group = roles.role_groups([roles.CHAT_VIEWER])[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("teams:send_invitation", args=[team.slug]),
            {"email": "sam@example.com", "groups": [viewer_group.pk]},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(team=team)
    accept_path = reverse("account_teams:accept_invitation", args=[invitation.token])
    assert accept_path in mail.outbox[0].body

    sam = UserFactory(email="sam@example.com")
    client.force_login(sam)
    assert client.get(accept_path).status_code == 200
    response = client.post(accept_path)
    assert response["Location"] == reverse("web:team_home", args=[team.slug])
    assert Membership.objects.get(team=team, user=sam).role_names == [roles.CHAT_VIEWER]


@pytest.mark.django_db
def test_accept_with_another_address_shows_the_reason(client, team):
    invitation = InvitationFactory(team=team, email="invited@example.com")
    client.force_login(UserFactory(email="someone-else@example.com"))
    response = client.post(reverse("account_teams:accept_invitation", args=[invitation.token]))
    assert response.status_code == 400
    assert b"invited@example.com" in response.content
    assert not Membership.objects.filter(team=team, user__email="someone-else@example.com").exists()


@pytest.mark.django_db
def test_anonymous_accept_sends_to_login(client, team):
    invitation = InvitationFactory(team=team)
    response = client.post(reverse("account_teams:accept_invitation", args=[invitation.token]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_roles_restrict_what_a_member_sees_and_does(client, team, admin_membership):
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    page = client.get(reverse("teams:settings", args=[team.slug]))
    assert page.status_code == 200
    assert b"Invite a member" not in page.content
    assert b"Edit roles" not in page.content
    invite = client.post(reverse("teams:send_invitation", args=[team.slug]), {"email": "x@example.com"})
    assert invite.status_code == 403
    remove = client.post(reverse("teams:remove_member", args=[team.slug, admin_membership.pk]))
    assert remove.status_code == 403
    assert client.post(reverse("teams:settings", args=[team.slug]), {"name": "Hacked"}).status_code == 302
    team.refresh_from_db()
    assert team.name != "Hacked"


@pytest.mark.django_db
def test_member_roles_form_requires_a_role(admin_client, team):
    member = MembershipFactory(team=team, roles=[roles.CHATBOT_ADMIN])
    url = reverse("teams:member_detail", args=[team.slug, member.pk])
    response = admin_client.post(url, {f"m{member.pk}-groups": []})
    assert response.status_code == 400
    assert b"at least one role" in response.content
    group = roles.role_groups([roles.EVALUATION_ADMIN])[0]
    assert admin_client.post(url, {f"m{member.pk}-groups": [group.pk]}).status_code == 302
    assert member.groups.get() == group


@pytest.mark.django_db
def test_member_of_another_team_cannot_be_edited(admin_client, team, other_team):
    foreign = other_team.membership_set.first()
    assert admin_client.get(reverse("teams:member_detail", args=[team.slug, foreign.pk])).status_code == 404
    assert admin_client.post(reverse("teams:remove_member", args=[team.slug, foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_remove_member_and_leave(admin_client, team, client):
    member = MembershipFactory(team=team, roles=[roles.CHATBOT_ADMIN])
    assert admin_client.post(reverse("teams:remove_member", args=[team.slug, member.pk])).status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()

    leaver = MembershipFactory(team=team, roles=[roles.CHATBOT_ADMIN]).user
    client.force_login(leaver)
    response = client.post(reverse("teams:leave", args=[team.slug]))
    assert response["Location"] == reverse("web:home")
    assert not Membership.objects.filter(team=team, user=leaver).exists()


@pytest.mark.django_db
def test_inviting_again_says_the_first_link_is_replaced_and_that_link_gets_a_friendly_page(admin_client, team):
    send = reverse("teams:send_invitation", args=[team.slug])
    first = admin_client.post(send, {"email": "sam@example.com"}, follow=True)
    assert "replaces" not in first.content.decode()
    first_invitation = Invitation.objects.get(team=team)
    again = admin_client.post(send, {"email": "Sam@example.com"}, follow=True).content.decode()
    assert "replaces the earlier invitation, whose link no longer works" in again

    old_link = admin_client.get(reverse("account_teams:accept_invitation", args=[first_invitation.token]))
    assert old_link.status_code == 404
    assert old_link.templates[0].name == "teams/invitation_gone.html"
    assert "This invitation is no longer valid" in old_link.content.decode()
    new_invitation = Invitation.objects.get(team=team)
    assert admin_client.get(reverse("account_teams:accept_invitation", args=[new_invitation.token])).status_code == 200


@pytest.mark.django_db
def test_an_expired_invitation_link_shows_a_friendly_page(client, team):
    from datetime import timedelta

    from django.utils import timezone

    invitation = InvitationFactory(team=team, expires_at=timezone.now() - timedelta(days=1))
    response = client.get(reverse("account_teams:accept_invitation", args=[invitation.token]))
    assert response.status_code == 200
    assert "This invitation has expired" in response.content.decode()
