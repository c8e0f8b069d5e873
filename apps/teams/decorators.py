"""View guards for team URLs (`/a/<team_slug>/...`): login, membership and per-team permissions.

Each guard sets `request.team` and `request.team_membership` and runs the view inside
`current_team(team)`. Anonymous users are redirected to log in; a non-member gets 404; a member
without the permission gets 403. Async views (e.g. streaming replies) get the same checks, run off
the event loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from apps.teams.selectors import get_membership_or_404
from apps.teams.utils import current_team

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from apps.teams.models import Membership, Team

View = TypeVar("View", bound=Callable[..., Any])


class TeamRequest(HttpRequest):
    """A request as a guarded view receives it, for type checking (the guards set `team` and
    `team_membership`; django-htmx's middleware sets `htmx`)."""

    team: Team
    team_membership: Membership
    htmx: HtmxDetails


def _authorize(request, user, team_slug: str, permissions: tuple[str, ...]):
    membership = get_membership_or_404(user, team_slug)
    if not membership.has_perms(permissions):
        raise PermissionDenied("Your role in this team does not allow this.")
    request.team = membership.team
    request.team_membership = membership
    request.session["last_team_slug"] = team_slug
    return membership


def _guard(view_func, permissions: tuple[str, ...]):
    if iscoroutinefunction(view_func):
        return _async_guard(view_func, permissions)

    @wraps(view_func)
    def guarded(request, team_slug: str, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = _authorize(request, request.user, team_slug, permissions)
        with current_team(membership.team):
            return view_func(request, *args, team_slug=team_slug, **kwargs)

    guarded.team_guarded = True  # type: ignore[attr-defined]
    return guarded


def _async_guard(view_func, permissions: tuple[str, ...]):
    @wraps(view_func)
    async def guarded(request, team_slug: str, *args, **kwargs):
        user = await request.auser()
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = await sync_to_async(_authorize)(request, user, team_slug, permissions)
        with current_team(membership.team):
            return await view_func(request, *args, team_slug=team_slug, **kwargs)

    guarded.team_guarded = True  # type: ignore[attr-defined]
    return guarded


def login_and_team_required(view_func: View) -> View:
    return cast(View, _guard(view_func, ()))


def team_permission_required(*permissions: str) -> Callable[[View], View]:
    """Require login, membership and every named permission (e.g. "teams.change_team")."""

    def decorator(view_func: View) -> View:
        return cast(View, _guard(view_func, permissions))

    return decorator
