"""The visual pipeline builder: its page and the JSON endpoints it talks to (docs/builder-api.md).

Every URL is under the pipeline's page, team-scoped and guarded: a role that may view pipelines gets
the builder read-only, and writes need `pipelines.change_pipeline`. Errors are JSON
(`{"error": ...}`) with a 4xx status, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.pipelines import actions, selectors
from apps.pipelines.exceptions import PipelineActionError, PipelineNotValid, StaleEdit
from apps.pipelines.models import Pipeline
from apps.pipelines.streaming import BadRunRequest, RunRequest, run_event_stream
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404
from apps.utils import storable
from apps.utils.sse import event_stream_response

VIEW = "pipelines.view_pipeline"
CHANGE = "pipelines.change_pipeline"
MAX_DESCRIPTION_LENGTH = 500
READ_ONLY = "This pipeline is read-only here: versions cannot be edited, and your role may only view pipelines."


class BadJson(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _error(message: str, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _bad_json(error: BadJson) -> JsonResponse:
    if error.field:
        return _error(str(error), field=error.field)
    return _error(str(error))


def _json_body(request: HttpRequest, *, allow_empty: bool = False) -> dict[str, Any]:
    if allow_empty and not request.body.strip():
        return {}
    try:
        body = storable.json_body(request)
    except storable.Unstorable as error:  # NUL, a lone surrogate, nested too deep: named, never stored
        raise BadJson(f"'{error.field}': {error.message}" if error.field else error.message, error.field) from None
    except ValueError as error:
        raise BadJson(f"The body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadJson("The body must be a JSON object")
    return body


def _pipeline(request: HttpRequest, pk: int) -> Pipeline:
    return get_team_object_or_404(Pipeline.objects.select_related("team"), request.team, pk=pk)  # type: ignore[attr-defined]


def _can_edit(request: HttpRequest, pipeline: Pipeline) -> bool:
    return (
        pipeline.is_working_version and not pipeline.is_archived and request.team_membership.has_perm(CHANGE)  # type: ignore[attr-defined]
    )


def _url_template(name: str, argument: str, placeholder: str, **kwargs: Any) -> str:
    """The URL with `{placeholder}` where its integer `argument` goes, for the browser to fill in."""
    url = reverse(name, kwargs={**kwargs, argument: 0})
    head, _, tail = url.rpartition("/0/")
    return f"{head}/{{{placeholder}}}/{tail}"


def _urls(team_slug: str, pipeline: Pipeline) -> dict[str, str]:
    keys = {"team_slug": team_slug, "pk": pipeline.pk}
    return {
        "state": reverse("pipelines:builder_state", kwargs=keys),
        "save": reverse("pipelines:builder_save", kwargs=keys),
        "test": reverse("pipelines:builder_test", kwargs=keys),
        "versions": reverse("pipelines:builder_versions", kwargs=keys),
        "version": _url_template("pipelines:builder_version", "number", "n", **keys),
        "pipeline": reverse("pipelines:detail", kwargs=keys),
        "trace": _url_template("trace:detail", "pk", "id", team_slug=team_slug),
    }


def _trace_url(team_slug: str):
    template = _url_template("trace:detail", "pk", "id", team_slug=team_slug)
    return lambda trace_id: None if trace_id is None else template.replace("{id}", str(trace_id))


@team_permission_required(VIEW)
@require_GET
def builder_page(request, team_slug: str, pk: int):
    pipeline = _pipeline(request, pk)
    config = {
        **selectors.builder_state(pipeline, read_only=not _can_edit(request, pipeline)),
        "urls": _urls(team_slug, pipeline),
        "csrf_token": get_token(request),
    }
    return render(request, "pipelines/builder.html", {"pipeline": pipeline, "builder_config": config})


@team_permission_required(VIEW)
@require_GET
def builder_state(request, team_slug: str, pk: int):
    pipeline = _pipeline(request, pk)
    return JsonResponse(selectors.builder_state(pipeline, read_only=not _can_edit(request, pipeline)))


@team_permission_required(CHANGE)
@require_POST
def builder_save(request, team_slug: str, pk: int):
    pipeline = _pipeline(request, pk)
    if not _can_edit(request, pipeline):
        return _error(READ_ONLY, 403)
    try:
        body = _json_body(request)
    except BadJson as error:
        return _bad_json(error)
    data, revision = body.get("data"), body.get("edit_revision")
    if not isinstance(data, dict):
        return _error("'data' must be a pipeline graph: an object with 'nodes' and 'edges'")
    if not isinstance(revision, int) or isinstance(revision, bool):
        return _error("'edit_revision' must be the revision you loaded (an integer)")
    try:
        issues = actions.save_pipeline_data(pipeline=pipeline, data=data, expected_revision=revision)
    except StaleEdit as error:
        return _error(str(error), 409, edit_revision=error.current_revision)
    except storable.Unstorable as error:
        return _error(str(error), field=error.field)
    except PipelineActionError as error:
        return _error(str(error))
    return JsonResponse({"edit_revision": pipeline.edit_revision, "issues": [issue.as_dict() for issue in issues]})


@team_permission_required(CHANGE)
@require_POST
def builder_versions(request, team_slug: str, pk: int):
    pipeline = _pipeline(request, pk)
    if not _can_edit(request, pipeline):
        return _error(READ_ONLY, 403)
    try:
        body = _json_body(request, allow_empty=True)
    except BadJson as error:
        return _bad_json(error)
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH:
        return _error(f"'description' must be text of at most {MAX_DESCRIPTION_LENGTH} characters")
    try:
        version = actions.create_pipeline_version(pipeline=pipeline, description=description.strip())
    except PipelineNotValid as error:
        return _error(str(error), issues=[issue.as_dict() for issue in error.issues])
    except storable.Unstorable as error:
        return _error(str(error), field=error.field)
    except PipelineActionError as error:
        return _error(str(error))
    return JsonResponse({"version_number": version.version_number}, status=201)


@team_permission_required(VIEW)
@require_GET
def builder_version(request, team_slug: str, pk: int, number: int):
    version = selectors.pipeline_version(_pipeline(request, pk), number)
    if version is None:
        return _error(f"This pipeline has no version {number}", 404)
    return JsonResponse(selectors.version_detail(version))


@team_permission_required(CHANGE)
@require_POST
async def builder_test(request, team_slug: str, pk: int):
    """A test run of the saved graph (of this row: the working copy, or a version when viewing one)."""
    pipeline = await sync_to_async(_pipeline)(request, pk)
    try:
        run = RunRequest.from_json(_json_body(request))
    except BadJson as error:
        return _bad_json(error)
    except BadRunRequest as error:
        return _error(str(error))
    return event_stream_response(run_event_stream(pipeline, run, _trace_url(team_slug)))
