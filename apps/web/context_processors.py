from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

# The main navigation: label, URL name, permission, Lucide icon. An entry whose URL does not exist yet
# (its app is not built) is left out, so new apps appear here by adding their URL, never a dead link.
TEAM_NAVIGATION = [
    ("Chatbots", "chatbots:list", "experiments.view_experiment", "bot"),
    ("Consent forms", "chatbots:consent_forms", "experiments.view_consentform", "file-check"),
    ("Source material", "chatbots:source_materials", "experiments.view_sourcematerial", "book-open"),
    ("Pipelines", "pipelines:list", "pipelines.view_pipeline", "workflow"),
    ("Collections", "documents:collections", "documents.view_collection", "library"),
    ("Evaluations", "evaluations:list", "evaluations.view_evaluationrun", "clipboard-check"),
    ("Participants", "participants:list", "participants.view_participant", "users"),
    ("Traces", "trace:list", "trace.view_trace", "activity"),
    ("AI providers", "service_providers:list", "service_providers.view_llmprovider", "plug"),
    ("Team settings", "teams:settings", None, "settings"),
]


def _team_navigation(request) -> list[dict]:
    membership = getattr(request, "team_membership", None)
    if membership is None:
        return []
    items: list[dict[str, Any]] = []
    for label, url_name, permission, icon in TEAM_NAVIGATION:
        if permission and not membership.has_perm(permission):
            continue
        try:
            url = reverse(url_name, kwargs={"team_slug": membership.team.slug})
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "icon": icon, "active": False})
    # The entry with the longest URL the page is under is the active one (Consent forms, not Chatbots).
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items


def site(request) -> dict:
    return {"site_name": settings.SITE_NAME, "team_navigation": _team_navigation(request)}
