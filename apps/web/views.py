from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from apps.teams.decorators import login_and_team_required
from apps.teams.selectors import teams_for_user
from apps.web.health import health_report


def home(request):
    """Signed in: the last team used (or the first, or create one). Otherwise the landing page."""
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    teams = teams_for_user(request.user)
    last = request.session.get("last_team_slug")
    team = teams.filter(slug=last).first() if last else None
    team = team or teams.first()
    if team is None:
        return redirect("account_teams:create")
    return redirect("web:team_home", team_slug=team.slug)


@login_and_team_required
def team_home(request, team_slug: str):
    return render(request, "web/team_home.html", {"active_tab": "home"})


@never_cache
def health(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
