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


def _permissions_of(groups) -> dict[str, set[str]]:
    """{role name: its permissions as "app_label.codename"}."""
    rows = Permission.objects.filter(group__in=list(groups)).values_list(
        "group__name", "content_type__app_label", "codename"
    )
    granted: dict[str, set[str]] = {group.name: set() for group in groups}
    for name, app_label, codename in rows:
        granted[name].add(f"{app_label}.{codename}")
    return granted


def ensure_can_grant(actor: Membership, groups) -> None:
    """Nobody hands out a permission they do not hold themselves: a Team Admin cannot make anyone,
    themselves included, a Super Admin (ADR 0003)."""
    if actor.user.is_superuser:
        return
    beyond = sorted(name for name, perms in _permissions_of(groups).items() if not perms <= actor.permissions)
    if beyond:
        raise TeamActionError(f"Your roles do not allow granting {', '.join(beyond)}: it allows more than yours.")


def _ensure_can_manage(actor: Membership, membership: Membership) -> None:
    """Changing or removing a member whose roles go beyond yours would be a way around `ensure_can_grant`."""
    if actor.user.is_superuser or actor.pk == membership.pk:
        return
    if not membership.permissions <= actor.permissions:
        raise TeamActionError(f"{membership.user} holds roles beyond yours; only someone holding them can change this.")


@transaction.atomic
def invite_member(*, team: Team, invited_by, email: str, groups: list[Group]) -> Invitation:
    """Invite `email` to the team and email them the accept link (sent by a Celery task). The
    inviter can only invite with roles within their own."""
    from apps.teams.tasks import send_invitation_email

    groups = groups or roles.role_groups(roles.DEFAULT_INVITEE_ROLES)
    inviter = Membership.objects.filter(team=team, user=invited_by).first()
    if inviter is None:
        raise TeamActionError("Only a member of the team can invite to it.")
    ensure_can_grant(inviter, groups)
    email = email.strip().lower()
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise TeamActionError(f"{email} is already a member of this team.")
    # A new invitation replaces a pending or expired one for the same address.
    Invitation.objects.filter(team=team, email__iexact=email, accepted_at__isnull=True).delete()
    invitation = Invitation.objects.create(team=team, email=email, invited_by=invited_by)
    invitation.groups.set(groups)
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


def lock_team(team_id: int) -> Team:
    """Lock the team's row until the transaction ends. Changes to who is in the team, and to what a
    member may do, take this lock first, so two of them never decide on the same, soon stale, view:
    the last two managers demoting each other at once, or a key made while its maker is removed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_team needs a transaction")
    # FOR NO KEY UPDATE: serialises these changes without blocking the foreign-key checks of every
    # insert of the team's rows (sessions, messages…), which FOR UPDATE would.
    return Team.objects.select_for_update(no_key=True).get(pk=team_id)


def _ensure_still_allowed(actor: Membership, permission: str) -> None:
    """The view checked the permission before the lock; the actor may have been demoted since."""
    if not actor.has_perm(permission):
        raise TeamActionError("You no longer have permission to do this.")


def _current(membership: Membership) -> Membership:
    """The membership as it is now, under the team lock (it may have been removed meanwhile)."""
    current = Membership.objects.filter(pk=membership.pk).select_related("user", "team").first()
    if current is None:
        raise TeamActionError(f"{membership.user} is no longer a member of this team.")
    return current


@transaction.atomic
def set_member_roles(*, membership: Membership, groups: list[Group], changed_by: Membership) -> Membership:
    lock_team(membership.team_id)
    membership, changed_by = _current(membership), _current(changed_by)
    _ensure_still_allowed(changed_by, "teams.change_membership")
    _ensure_can_manage(changed_by, membership)
    ensure_can_grant(changed_by, groups)
    _ensure_a_manager_remains(membership.team, without=membership, new_groups=groups)
    membership.groups.set(groups)
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, removed_by: Membership) -> None:
    """Remove a member; the API keys they made are revoked as the membership goes (ADR 0010)."""
    lock_team(membership.team_id)
    membership, removed_by = _current(membership), _current(removed_by)
    if removed_by.pk != membership.pk:  # leaving needs no permission
        _ensure_still_allowed(removed_by, "teams.delete_membership")
    _ensure_can_manage(removed_by, membership)
    _ensure_a_manager_remains(membership.team, without=membership)
    membership.delete()


def leave_team(*, membership: Membership) -> None:
    remove_member(membership=membership, removed_by=membership)
