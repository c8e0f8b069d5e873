"""Reads about teams and memberships, and the fetch-and-authorize helpers for team objects."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.teams.models import Invitation, Membership, Team
from apps.teams.roles import MANAGE_MEMBERS_PERMISSION

M = TypeVar("M", bound=Model)


def get_membership_or_404(user, team_slug: str) -> Membership:
    """The user's membership of the team with this slug; 404 when the team is unknown or the user
    is not a member, so another team's existence is never revealed."""
    membership = (
        Membership.objects.select_related("team", "user").filter(team__slug=team_slug, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such team")
    return membership


def get_team_object_or_404(model_or_queryset: type[M] | QuerySet[M], team: Team, **lookup) -> M:
    """Fetch one object of `team`, or 404. Use this instead of `Model.objects.get(pk=...)` in views."""
    queryset = (
        model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset._default_manager.all()
    )
    return get_object_or_404(queryset.filter(team=team), **lookup)


def teams_for_user(user) -> QuerySet[Team]:
    return Team.objects.filter(membership__user=user).order_by("name")


def team_members(team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user").prefetch_related("groups").order_by("created_at")


def pending_invitations(team: Team) -> QuerySet[Invitation]:
    return Invitation.objects.filter(team=team, accepted_at__isnull=True).prefetch_related("groups")


def member_managers(team: Team) -> list[Membership]:
    return [m for m in team_members(team) if m.has_perm(MANAGE_MEMBERS_PERMISSION)]


def has_unaccepted_invitation(team: Team, email: str) -> bool:
    """Whether inviting `email` again would replace an earlier (pending or expired) invitation."""
    return Invitation.objects.filter(team=team, email__iexact=email.strip(), accepted_at__isnull=True).exists()
