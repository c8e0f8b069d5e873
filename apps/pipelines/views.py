"""Pipeline pages until the visual builder lands: list, create, import/export, versions, a test run."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.pipelines import actions, selectors
from apps.pipelines.exceptions import PipelineActionError
from apps.pipelines.exporting import export_pipeline
from apps.pipelines.forms import PipelineCreateForm, PipelineImportForm, TestRunForm, VersionForm
from apps.pipelines.models import Pipeline
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.runtime.runner import PipelineInvalid, PipelineRunError, run_pipeline
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404


@team_permission_required("pipelines.view_pipeline")
def pipeline_list(request, team_slug: str):
    create_form = PipelineCreateForm(request.POST or None)
    if request.method == "POST":
        if not request.team_membership.has_perm("pipelines.add_pipeline"):
            messages.error(request, "Your role does not allow creating pipelines.")
            return redirect("pipelines:list", team_slug=team_slug)
        if create_form.is_valid():
            pipeline = actions.create_pipeline(team=request.team, **create_form.cleaned_data)
            messages.success(request, f"Pipeline “{pipeline.name}” created.")
            return redirect("pipelines:detail", team_slug=team_slug, pk=pipeline.pk)
    return _render_list(request, create_form, PipelineImportForm())


def _render_list(request, create_form, import_form):
    context = {
        "pipelines": selectors.working_pipelines(request.team),
        "create_form": create_form,
        "import_form": import_form,
        "can_edit": request.team_membership.has_perm("pipelines.add_pipeline"),
    }
    status = 400 if create_form.errors or import_form.errors else 200
    return render(request, "pipelines/pipeline_list.html", context, status=status)


@team_permission_required("pipelines.add_pipeline")
@require_POST
def pipeline_import(request, team_slug: str):
    form = PipelineImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            pipeline = actions.import_pipeline(
                team=request.team, exported=form.cleaned_data["file"], name=form.cleaned_data["name"] or None
            )
        except PipelineActionError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"Pipeline “{pipeline.name}” imported.")
            return redirect("pipelines:detail", team_slug=team_slug, pk=pipeline.pk)
    return _render_list(request, PipelineCreateForm(), form)


@team_permission_required("pipelines.view_pipeline")
def pipeline_detail(request, team_slug: str, pk: int):
    pipeline = get_team_object_or_404(Pipeline, request.team, pk=pk)
    return _render_detail(request, pipeline, TestRunForm(), None)


def _render_detail(request, pipeline, test_form, result, status=200):
    context = {
        "pipeline": pipeline,
        "graph": pipeline.graph,
        "issues": actions.pipeline_issues(pipeline),
        "versions": pipeline.versions.order_by("-version_number") if pipeline.is_working_version else [],
        "test_form": test_form,
        "version_form": VersionForm(),
        "result": result,
        "can_edit": request.team_membership.has_perm("pipelines.change_pipeline"),
    }
    template = "pipelines/test_result.html" if request.htmx and result is not None else "pipelines/pipeline_detail.html"
    return render(request, template, context, status=status)


@team_permission_required("pipelines.change_pipeline")
@require_POST
def pipeline_test_run(request, team_slug: str, pk: int):
    pipeline = get_team_object_or_404(Pipeline, request.team, pk=pk)
    form = TestRunForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, pipeline, form, {"ok": False, "message": "Fix the form."}, status=400)
    run = RunInput(
        form.cleaned_data["message"], participant_data=form.cleaned_data["participant_data"], pipeline_id=pipeline.pk
    )
    try:
        outcome = run_pipeline(pipeline.graph, run, OrmRepository(request.team))
    except PipelineInvalid as error:
        result = {"ok": False, "message": str(error)}
    except PipelineRunError as error:
        result = {"ok": False, "message": str(error), "trace_id": error.trace_id}
    else:
        result = {
            "ok": True,
            "message": outcome.output,
            "trace_id": outcome.trace_id,
            "path": outcome.path,
            "participant_data": json.dumps(outcome.participant_data, ensure_ascii=False),
        }
    return _render_detail(request, pipeline, form, result)


@team_permission_required("pipelines.change_pipeline")
@require_POST
def pipeline_create_version(request, team_slug: str, pk: int):
    pipeline = get_team_object_or_404(Pipeline, request.team, pk=pk)
    form = VersionForm(request.POST)
    description = form.cleaned_data["description"] if form.is_valid() else ""
    try:
        version = actions.create_pipeline_version(pipeline=pipeline, description=description)
    except PipelineActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Version {version.version_number} created.")
    return redirect("pipelines:detail", team_slug=team_slug, pk=pipeline.pk)


@team_permission_required("pipelines.view_pipeline")
def pipeline_export(request, team_slug: str, pk: int):
    pipeline = get_team_object_or_404(Pipeline, request.team, pk=pk)
    response = HttpResponse(
        json.dumps(export_pipeline(pipeline), indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="pipeline-{pipeline.pk}.json"'
    return response


@team_permission_required("pipelines.delete_pipeline")
@require_POST
def pipeline_archive(request, team_slug: str, pk: int):
    pipeline = get_team_object_or_404(Pipeline, request.team, pk=pk, working_version__isnull=True)
    actions.archive_pipeline(pipeline=pipeline)
    messages.success(request, f"Pipeline “{pipeline.name}” archived.")
    return redirect("pipelines:list", team_slug=team_slug)
