"""Writes for pipelines: create, save with the edit revision, version, archive, import."""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction

from apps.pipelines.exceptions import PipelineActionError, PipelineNotValid, StaleEdit
from apps.pipelines.exporting import graph_from_export
from apps.pipelines.graph import GraphFormatError, PipelineGraph
from apps.pipelines.models import Pipeline, empty_pipeline
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.validation import ValidationIssue, validate_pipeline
from apps.teams.config_cache import bump_config_revision
from apps.teams.models import Team
from apps.utils import storable


def create_pipeline(*, team: Team, name: str, data: dict[str, Any] | None = None, description: str = "") -> Pipeline:
    graph = PipelineGraph.from_dict(data or empty_pipeline())
    return Pipeline.objects.create(team=team, name=name.strip(), description=description, data=graph.to_dict())


@transaction.atomic
def save_pipeline_data(*, pipeline: Pipeline, data: dict[str, Any], expected_revision: int) -> list[ValidationIssue]:
    """Save the working copy's graph if nobody saved since `expected_revision`; return its
    validation issues (a draft may be saved invalid; publishing requires a valid graph)."""
    if not pipeline.is_working_version:
        raise PipelineActionError("Versions cannot be edited; edit the working copy.")
    storable.check_json(data, "data")
    locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if locked.edit_revision != expected_revision:
        raise StaleEdit(locked.edit_revision)
    try:
        graph = PipelineGraph.from_dict(data)
    except GraphFormatError as error:
        raise PipelineActionError(str(error)) from error
    locked.data = graph.to_dict()
    locked.edit_revision += 1
    locked.save(update_fields=["data", "edit_revision", "updated_at"])
    pipeline.data, pipeline.edit_revision = locked.data, locked.edit_revision
    return validate_pipeline(graph, OrmRepository(pipeline.team))


def update_simple_llm(*, pipeline: Pipeline, prompt: str, provider_id: int, model_id: int) -> list[ValidationIssue]:
    """Set the prompt and model of a Start → LLM → End working copy (a chatbot's Settings tab)."""
    from apps.pipelines.selectors import simple_llm_node

    if simple_llm_node(pipeline) is None:
        raise PipelineActionError("This pipeline has more than one step: edit its prompt and model in the builder.")
    data = copy.deepcopy(pipeline.data)
    node = next(node for node in data["nodes"] if node["type"] == "llm")
    node["params"] = {
        **node.get("params", {}),
        "prompt": prompt,
        "llm_provider_id": provider_id,
        "llm_model_id": model_id,
    }
    return save_pipeline_data(pipeline=pipeline, data=data, expected_revision=pipeline.edit_revision)


def pipeline_issues(pipeline: Pipeline) -> list[ValidationIssue]:
    return validate_pipeline(pipeline.graph, OrmRepository(pipeline.team))


def create_pipeline_version(*, pipeline: Pipeline, description: str = "") -> Pipeline:
    if not pipeline.is_working_version:
        raise PipelineActionError("Only the working copy can be versioned.")
    storable.check_text(description, "description")
    issues = pipeline_issues(pipeline)
    if issues:
        message = "Fix the pipeline before versioning it: " + "; ".join(i.message for i in issues[:3])
        raise PipelineNotValid(message, issues)
    return pipeline.create_version(description)


def archive_pipeline(*, pipeline: Pipeline) -> None:
    Pipeline.objects.filter(pk=pipeline.pk).update(is_archived=True)
    pipeline.versions.update(is_archived=True)
    bump_config_revision(pipeline.team_id)  # bulk updates send no save signal


def import_pipeline(*, team: Team, exported: dict[str, Any], name: str | None = None) -> Pipeline:
    try:
        graph, exported_name, description = graph_from_export(exported)
    except GraphFormatError as error:
        raise PipelineActionError(str(error)) from error
    return create_pipeline(team=team, name=name or exported_name, data=graph.to_dict(), description=description)
