"""Reads for pipelines: lists, and the state the visual builder starts from (docs/builder-api.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.pipelines.models import Pipeline
from apps.pipelines.nodes.registry import node_type_schemas
from apps.pipelines.prompts import PROMPT_VARIABLES
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.tools.registry import AGENT_TOOLS
from apps.pipelines.validation import validate_pipeline
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.teams.models import Team


def simple_llm_node(pipeline: Pipeline) -> dict[str, Any] | None:
    """The LLM node of a pipeline that is exactly Start → LLM → End (a "simple chatbot"), whose
    prompt and model a chatbot's Settings can edit without the builder; None for any other graph."""
    nodes = pipeline.data.get("nodes") or []
    edges = pipeline.data.get("edges") or []
    if sorted(node.get("type") for node in nodes) != ["end", "llm", "start"] or len(edges) != 2:
        return None
    ids = {node["type"]: node.get("id") for node in nodes}
    links = {(edge.get("source"), edge.get("target")) for edge in edges}
    if links != {(ids["start"], ids["llm"]), (ids["llm"], ids["end"])}:
        return None
    return next(node for node in nodes if node["type"] == "llm")


def working_pipelines(team: Team) -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(team=team, working_version__isnull=True, is_archived=False)


def pipelines_using_llm_provider(provider) -> list[str]:
    """Names of the team's pipelines (working copies and versions) with a node on this provider."""
    names = []
    for pipeline in Pipeline.objects.filter(team_id=provider.team_id, is_archived=False):
        if any(node.params.get("llm_provider_id") == provider.pk for node in pipeline.graph.nodes):
            names.append(f"pipeline “{pipeline}”")
    return names


def working_copy_of(pipeline: Pipeline) -> Pipeline:
    return pipeline if pipeline.is_working_version else pipeline.working_version  # type: ignore[return-value]


def pipeline_versions(pipeline: Pipeline) -> QuerySet[Pipeline]:
    """The numbered versions of the pipeline's working copy, newest first."""
    return Pipeline.objects.filter(team_id=pipeline.team_id, working_version=working_copy_of(pipeline)).order_by(
        "-version_number"
    )


def pipeline_version(pipeline: Pipeline, version_number: int) -> Pipeline | None:
    return pipeline_versions(pipeline).filter(version_number=version_number).first()


def version_summary(version: Pipeline) -> dict[str, Any]:
    return {
        "version_number": version.version_number,
        "description": version.version_description,
        "created_at": version.created_at,
    }


def version_detail(version: Pipeline) -> dict[str, Any]:
    return {**version_summary(version), "data": version.data}


def llm_provider_choices(team: Team) -> list[dict[str, Any]]:
    """The team's LLM providers, each with the models of its type: the built-in catalogue and the
    team's own (deprecated ones last, marked in their name, so a node that uses one still shows it)."""
    models_by_type: dict[str, list[dict[str, Any]]] = {}
    for model in LlmProviderModel.objects.available_to(team).order_by("deprecated", "name"):
        models_by_type.setdefault(model.type, []).append(
            {"id": model.pk, "name": str(model), "max_token_limit": model.max_token_limit}
        )
    return [
        {
            "id": provider.pk,
            "name": provider.name,
            "type": provider.type,
            "models": models_by_type.get(provider.type, []),
        }
        for provider in LlmProvider.objects.filter(team=team).order_by("name")
    ]


def builder_state(pipeline: Pipeline, *, read_only: bool) -> dict[str, Any]:
    """Everything the builder needs to draw and edit this pipeline, except URLs and the CSRF token."""
    team = pipeline.team
    return {
        "pipeline": {
            "id": pipeline.pk,
            "name": pipeline.name,
            "edit_revision": pipeline.edit_revision,
            "data": pipeline.data,
            "version_number": None if pipeline.is_working_version else pipeline.version_number,
            "is_working_version": pipeline.is_working_version,
        },
        "read_only": read_only,
        "issues": [issue.as_dict() for issue in validate_pipeline(pipeline.graph, OrmRepository(team))],
        "node_types": node_type_schemas(),
        "llm_providers": llm_provider_choices(team),
        "prompt_variables": list(PROMPT_VARIABLES),
        "agent_tools": [
            {"name": tool.name, "label": tool.label, "description": tool.description} for tool in AGENT_TOOLS.values()
        ],
        "versions": [version_summary(version) for version in pipeline_versions(pipeline)],
    }


def takes_images(pipeline: Pipeline, team: Team) -> bool:
    """Whether one of the pipeline's LLM nodes runs a model that accepts images (`supports_vision` in
    the catalogue): the nodes that send a message's images to their model (llm_common.with_images)."""
    model_ids = [
        (node.get("params") or {}).get("llm_model_id")
        for node in pipeline.data.get("nodes") or []
        if node.get("type") == "llm"
    ]
    model_ids = [model_id for model_id in model_ids if isinstance(model_id, int)]
    return bool(model_ids) and (
        LlmProviderModel.objects.available_to(team).filter(pk__in=model_ids, supports_vision=True).exists()
    )
