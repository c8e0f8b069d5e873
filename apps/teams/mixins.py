"""Class-based equivalents of `apps.teams.decorators`."""

from __future__ import annotations

from apps.teams.decorators import team_permission_required


class TeamPermissionRequiredMixin:
    """Require login, membership and `permission_required` (one name, a tuple, or () for any member)."""

    permission_required: str | tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        perms = (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
        parent_dispatch = super().dispatch  # type: ignore[misc]
        return team_permission_required(*perms)(parent_dispatch)(request, *args, **kwargs)


class LoginAndTeamRequiredMixin(TeamPermissionRequiredMixin):
    permission_required = ()
