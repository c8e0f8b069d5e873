"""Writes to teams, memberships and invitations. Views call these; they never write models directly."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.teams import roles
from apps.teams.exceptions import TeamActionError
from apps.teams.models import INVITATION_LIFETIME, Invitation, Membership, Team
from apps.teams.selectors import member_managers
from apps.teams.signals import team_created


def unique_team_slug(name: str) -> str:
    base = slugify(name)[:50] or "team"
    slug, n = base, 1
    while Team.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_team(*, creator, name: str) -> Team:
    """Create a team whose creator holds the creator roles (Super Admin)."""
    team = Team.objects.create(name=name.strip(), slug=unique_team_slug(name))
    membership = Membership.objects.create(team=team, user=creator)
    membership.groups.set(roles.role_groups(roles.CREATOR_ROLES))
    team_created.send(sender=Team, team=team, creator=creator)
    return team


def rename_team(*, team: Team, name: str) -> Team:
    team.name = name.strip()
    team.save(update_fields=["name", "updated_at"])
    return team


@transaction.atomic
def invite_member(*, team: Team, invited_by, email: str, groups: list[Group]) -> Invitation:
    """Invite `email` to the team and email them the accept link (sent by a Celery task)."""
    from apps.teams.tasks import send_invitation_email

    email = email.strip().lower()
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise TeamActionError(f"{email} is already a member of this team.")
    # A new invitation replaces a pending or expired one for the same address.
    Invitation.objects.filter(team=team, email__iexact=email, accepted_at__isnull=True).delete()
    invitation = Invitation.objects.create(team=team, email=email, invited_by=invited_by)
    invitation.groups.set(groups or roles.role_groups(roles.DEFAULT_INVITEE_ROLES))
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.id))
    return invitation


def resend_invitation(*, invitation: Invitation) -> Invitation:
    from apps.teams.tasks import send_invitation_email

    if invitation.accepted_at:
        raise TeamActionError("This invitation was already accepted.")
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["expires_at", "updated_at"])
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.id))
    return invitation


def cancel_invitation(*, invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise TeamActionError("This invitation was already accepted.")
    invitation.delete()


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise TeamActionError("This invitation was already used.")
    if invitation.is_expired:
        raise TeamActionError("This invitation has expired. Ask the team to send a new one.")
    if (user.email or "").lower() != invitation.email.lower():
        raise TeamActionError(f"This invitation is for {invitation.email}. Log in with that address to accept it.")
    membership, created = Membership.objects.get_or_create(team=invitation.team, user=user)
    if created:
        membership.groups.set(invitation.groups.all())
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


def _ensure_a_manager_remains(team: Team, without: Membership, new_groups: list[Group] | None = None) -> None:
    """Refuse a change that would leave the team with nobody able to manage its members."""
    remaining = [m for m in member_managers(team) if m.pk != without.pk]
    if new_groups is not None:
        granted = set(
            Permission.objects.filter(group__in=new_groups).values_list("content_type__app_label", "codename")
        )
        app_label, codename = roles.MANAGE_MEMBERS_PERMISSION.split(".")
        if (app_label, codename) in granted or without.user.is_superuser:
            return
    if not remaining:
        raise TeamActionError("The team needs at least one member who can manage members.")


@transaction.atomic
def set_member_roles(*, membership: Membership, groups: list[Group]) -> Membership:
    _ensure_a_manager_remains(membership.team, without=membership, new_groups=groups)
    membership.groups.set(groups)
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    _ensure_a_manager_remains(membership.team, without=membership)
    membership.delete()


def leave_team(*, membership: Membership) -> None:
    remove_member(membership=membership)
