from apps.teams.selectors import teams_for_user


class MemberPermissions:
    """Lets templates write `{% if "teams.change_team" in team_perms %}` against the current membership."""

    def __init__(self, membership) -> None:
        self._membership = membership

    def __contains__(self, perm: str) -> bool:
        return self._membership is not None and self._membership.has_perm(perm)


def team(request) -> dict:
    """The current team, the member's permissions and the teams to switch to."""
    membership = getattr(request, "team_membership", None)
    user = getattr(request, "user", None)
    return {
        "team": getattr(request, "team", None),
        "team_membership": membership,
        "team_perms": MemberPermissions(membership),
        "user_teams": teams_for_user(user) if user is not None and user.is_authenticated else [],
    }
