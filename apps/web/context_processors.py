from django.conf import settings
from django.urls import NoReverseMatch, reverse

# The main navigation. An entry whose URL does not exist yet (its app is not built) is left out,
# so new apps appear here by adding their URL, never a dead link.
TEAM_NAVIGATION = [
    ("Chatbots", "chatbots:list", "experiments.view_experiment"),
    ("Pipelines", "pipelines:list", "pipelines.view_pipeline"),
    ("Collections", "documents:collections", "documents.view_collection"),
    ("Evaluations", "evaluations:list", "evaluations.view_evaluationrun"),
    ("Participants", "participants:list", "participants.view_participant"),
    ("Traces", "trace:list", "trace.view_trace"),
    ("AI providers", "service_providers:list", "service_providers.view_llmprovider"),
    ("Team settings", "teams:settings", None),
]


def _team_navigation(request) -> list[dict]:
    membership = getattr(request, "team_membership", None)
    if membership is None:
        return []
    items = []
    for label, url_name, permission in TEAM_NAVIGATION:
        if permission and not membership.has_perm(permission):
            continue
        try:
            url = reverse(url_name, kwargs={"team_slug": membership.team.slug})
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return items


def site(request) -> dict:
    return {"site_name": settings.SITE_NAME, "team_navigation": _team_navigation(request)}
