"""Guards, used by the guard tests: every model of ours is team-scoped (or exempt with a reason), every
team URL turns away anonymous users and members of other teams, and every field of a versioned model
is classified as version content or identity (apps/utils/versioning.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# Models of ours that are not owned by one team, and why.
TEAM_EXEMPT_MODELS = {
    "users.CustomUser": "a person may belong to several teams",
    "teams.Team": "the tenant itself",
    "service_providers.LlmProviderModel": "NULL-team rows are the shared catalogue; reads use available_to(team)",
    "service_providers.EmbeddingProviderModel": "as LlmProviderModel: a shared catalogue plus team rows",
    "chat.ClaimOwner": "a process answering messages of every team; holds no team data",
}


def unscoped_models() -> list[str]:
    """Labels of our models that lack a non-null `team` foreign key to Team."""
    from apps.teams.models import Team

    problems = []
    for model in apps.get_models():
        if not model.__module__.startswith("apps.") or model._meta.label in TEAM_EXEMPT_MODELS:
            continue
        field = next((f for f in model._meta.fields if f.name == "team"), None)
        if field is None or field.null or getattr(field, "related_model", None) is not Team:
            problems.append(model._meta.label)
    return problems


def unclassified_version_fields(models: Iterable[type[Model]] | None = None) -> list[str]:
    """Problems with the field classification of versioned models (all of ours unless `models`): a
    concrete field that is neither version content nor identity, or both, and a classified name that
    is no field of the model."""
    from apps.utils.versioning import VersionedModel

    problems = []
    for model in apps.get_models() if models is None else models:
        if not issubclass(model, VersionedModel):
            continue
        fields = {field.name for field in model._meta.concrete_fields}
        content, identity = set(model.VERSION_CONTENT_FIELDS), set(model.VERSION_IDENTITY_FIELDS)
        label = model._meta.label
        problems += [f"{label}.{name}: neither content nor identity" for name in sorted(fields - content - identity)]
        problems += [f"{label}.{name}: both content and identity" for name in sorted(content & identity)]
        problems += [f"{label}.{name}: classified but not a field" for name in sorted((content | identity) - fields)]
    return problems


@dataclass(frozen=True)
class TeamUrl:
    route: str
    name: str | None

    def path_for(self, team_slug: str) -> str:
        """A concrete path: the team's slug, and a plausible value for every other parameter."""

        def value(match: re.Match) -> str:
            converter, name = match.group(1) or "str", match.group(2)
            if name == "team_slug":
                return team_slug
            return {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "path": "x"}.get(converter, "x")

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, self.route)


def team_urls(urlconf: str | None = None) -> Iterator[TeamUrl]:
    """Every URL pattern whose route contains `<slug:team_slug>`."""

    def walk(patterns, prefix: str) -> Iterator[TeamUrl]:
        for pattern in patterns:
            if not isinstance(pattern.pattern, RoutePattern):
                if "team_slug" in str(pattern.pattern):
                    raise AssertionError(f"Use path(), not re_path(), so the guard can check {pattern.pattern}")
                continue  # third-party regex URLs (admin); none of them is under a team
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "team_slug" in route:
                yield TeamUrl(route=route, name=pattern.name)

    yield from walk(get_resolver(urlconf).url_patterns, "")


def unprotected_team_urls(anonymous_client, outsider_client, team_slug: str, urlconf=None) -> list[str]:
    """Team URLs that do not redirect an anonymous user to log in, or do not answer 404 to a user
    who is not a member of the team."""
    from django.conf import settings
    from django.shortcuts import resolve_url

    login_url = resolve_url(settings.LOGIN_URL)
    problems = []
    for url in team_urls(urlconf):
        path = url.path_for(team_slug)
        response = anonymous_client.get(path)
        if response.status_code != 302 or not response["Location"].startswith(login_url):
            problems.append(f"{path} ({url.name}): anonymous user got {response.status_code}, not a login redirect")
        response = outsider_client.get(path)
        if response.status_code != 404:
            problems.append(f"{path} ({url.name}): member of another team got {response.status_code}, not 404")
    return problems
