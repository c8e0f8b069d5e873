"""Writes for chatbots: create (simple or from a pipeline), version, publish, revert, archive; and for
the consent forms and source material they link to."""

from __future__ import annotations

from django.db import transaction

from apps.experiments import selectors
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import ConsentForm, Experiment, SourceMaterial
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.exceptions import PipelineActionError
from apps.pipelines.models import Pipeline
from apps.service_providers.models import LlmProvider, LlmProviderModel, TraceProvider, VoiceProvider
from apps.teams.config_cache import bump_config_revision
from apps.teams.models import Team
from apps.utils import storable


def simple_pipeline_data(*, prompt: str, provider: LlmProvider, model: LlmProviderModel) -> dict:
    """Start → LLM → End: what "create a simple chatbot" makes; it opens in the builder like any other."""
    llm_params = {"llm_provider_id": provider.pk, "llm_model_id": model.pk, "prompt": prompt}
    return {
        "schema_version": 1,
        "nodes": [
            {"id": "start", "type": "start", "name": "start", "params": {}, "position": {"x": 0, "y": 0}},
            {"id": "llm", "type": "llm", "name": "assistant", "params": llm_params, "position": {"x": 250, "y": 0}},
            {"id": "end", "type": "end", "name": "end", "params": {}, "position": {"x": 500, "y": 0}},
        ],
        "edges": [
            {
                "id": "start-llm",
                "source": "start",
                "source_handle": "output",
                "target": "llm",
                "target_handle": "input",
            },
            {"id": "llm-end", "source": "llm", "source_handle": "output", "target": "end", "target_handle": "input"},
        ],
    }


@transaction.atomic
def create_simple_chatbot(
    *, team: Team, name: str, prompt: str, provider: LlmProvider, model: LlmProviderModel, description: str = ""
) -> Experiment:
    if provider.team_id != team.pk or (model.team_id not in (None, team.pk)) or model.type != provider.type:
        raise ChatbotActionError("Choose a provider of this team and one of its models.")
    pipeline = pipeline_actions.create_pipeline(
        team=team, name=f"{name} pipeline", data=simple_pipeline_data(prompt=prompt, provider=provider, model=model)
    )
    return Experiment.objects.create(team=team, name=name.strip(), description=description, pipeline=pipeline)


def create_chatbot(*, team: Team, name: str, pipeline: Pipeline, description: str = "") -> Experiment:
    if pipeline.team_id != team.pk or not pipeline.is_working_version:
        raise ChatbotActionError("Choose a pipeline of this team.")
    return Experiment.objects.create(team=team, name=name.strip(), description=description, pipeline=pipeline)


def create_chatbot_version(*, experiment: Experiment, description: str = "", publish: bool = False) -> Experiment:
    if not experiment.is_working_version:
        raise ChatbotActionError("Versions are made from the working copy.")
    storable.check_text(description, "description")
    issues = pipeline_actions.pipeline_issues(experiment.pipeline)
    if issues:
        raise ChatbotActionError("Fix the pipeline first: " + "; ".join(issue.message for issue in issues[:3]))
    try:
        with transaction.atomic():
            version = experiment.create_version(description)
            if publish:
                publish_version(version=version)
    except PipelineActionError as error:
        raise ChatbotActionError(str(error)) from error
    return version


@transaction.atomic
def publish_version(*, version: Experiment) -> Experiment:
    if version.is_working_version:
        raise ChatbotActionError("Publish a numbered version, not the working copy.")
    Experiment.objects.filter(working_version_id=version.working_version_id, is_published=True).update(
        is_published=False
    )
    Experiment.objects.filter(pk=version.pk).update(is_published=True)
    bump_config_revision(version.team_id)  # bulk updates send no save signal
    version.is_published = True
    return version


@transaction.atomic
def revert_to_version(*, experiment: Experiment, version: Experiment) -> Experiment:
    """Make the working copy match `version` (its settings and its pipeline's graph)."""
    if version.working_version_id != experiment.pk:
        raise ChatbotActionError("That version belongs to another chatbot.")
    for name in experiment.content_fields():
        if name not in ("pipeline", "consent_form", "source_material"):
            setattr(experiment, name, getattr(version, name))
    experiment.save()
    working_pipeline = experiment.pipeline
    try:
        pipeline_actions.save_pipeline_data(
            pipeline=working_pipeline, data=version.pipeline.data, expected_revision=working_pipeline.edit_revision
        )
    except PipelineActionError as error:
        raise ChatbotActionError(str(error)) from error
    return experiment


@transaction.atomic
def update_chatbot(
    *,
    experiment: Experiment,
    name: str,
    description: str,
    seed_message: str,
    consent_form: ConsentForm | None,
    source_material: SourceMaterial | None,
    participant_allowlist: list[str],
    file_uploads_enabled: bool,
    voice_provider: VoiceProvider | None,
    synthetic_voice: str,
    trace_provider: TraceProvider | None,
    llm: tuple[str, LlmProvider, LlmProviderModel] | None = None,
) -> Experiment:
    """Change the working copy's settings; versions are immutable. `llm`: the (prompt, provider,
    model) of a simple chatbot's LLM node, set in its pipeline's working copy in the same transaction."""
    if not experiment.is_working_version:
        raise ChatbotActionError("Only the working copy can be changed.")
    for linked in (consent_form, source_material):
        if linked is not None and (linked.team_id != experiment.team_id or not linked.is_working_version):
            raise ChatbotActionError("Choose a consent form and source material of this team.")
    for provider in (voice_provider, trace_provider):
        if provider is not None and provider.team_id != experiment.team_id:
            raise ChatbotActionError("Choose a voice provider and trace provider of this team.")
    experiment.name = name.strip()
    experiment.description = description
    experiment.seed_message = seed_message
    experiment.consent_form = consent_form
    experiment.source_material = source_material
    # Identifiers are compared case-insensitively (sessions.is_allowed); keep the list tidy and unique.
    experiment.participant_allowlist = list(dict.fromkeys(e.strip() for e in participant_allowlist if e.strip()))
    experiment.file_uploads_enabled = file_uploads_enabled
    experiment.voice_provider = voice_provider
    experiment.synthetic_voice = synthetic_voice.strip()
    experiment.trace_provider = trace_provider
    experiment.save()
    if llm is not None:
        prompt, llm_provider, model = llm
        if llm_provider.team_id != experiment.team_id or model.team_id not in (None, experiment.team_id):
            raise ChatbotActionError("Choose a provider and model of this team.")
        try:
            pipeline_actions.update_simple_llm(
                pipeline=experiment.pipeline, prompt=prompt, provider_id=llm_provider.pk, model_id=model.pk
            )
        except PipelineActionError as error:  # StaleEdit too: the builder saved meanwhile
            raise ChatbotActionError(str(error)) from error
    return experiment


def archive_chatbot(*, experiment: Experiment) -> None:
    Experiment.objects.filter(pk=experiment.pk).update(is_archived=True)
    experiment.versions.update(is_archived=True)
    bump_config_revision(experiment.team_id)


def save_linked_resource(*, team: Team, resource: ConsentForm | SourceMaterial) -> ConsentForm | SourceMaterial:
    """Create or change a consent form or source material. Only the working copy changes; the
    chatbot versions that use it keep their own frozen copies."""
    if resource.pk is not None:
        stored = type(resource).objects.filter(pk=resource.pk).values("team_id", "working_version_id", "is_archived")
        row = stored.first()
        if row is None or row["team_id"] != team.pk or row["working_version_id"] is not None or row["is_archived"]:
            raise ChatbotActionError("Only this team's current working copy can be changed.")
    resource.team = team
    resource.save()
    return resource


def archive_linked_resource(*, resource: ConsentForm | SourceMaterial) -> None:
    """Archive (never delete) a consent form or source material that no chatbot uses any more."""
    users = list(selectors.chatbots_using(resource).values_list("name", flat=True))
    if users:
        kind = "consent form" if isinstance(resource, ConsentForm) else "source material"
        names = ", ".join(f"“{name}”" for name in users)
        raise ChatbotActionError(
            f"“{resource}” is used by {names}. Choose another {kind} in "
            f"{'their' if len(users) > 1 else 'its'} settings first, then archive it."
        )
    type(resource).objects.filter(pk=resource.pk).update(is_archived=True)
    bump_config_revision(resource.team_id)
    resource.is_archived = True
