"""Reads for chatbot pages: chatbot lists, sessions, transcripts, versions and their differences."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from apps.chat.models import ChatMessage
from apps.experiments.models import ConsentForm, Experiment, ExperimentSession, SourceMaterial
from apps.participants.models import Participant, ParticipantData
from apps.pipelines.models import Pipeline
from apps.service_providers.models import LlmProvider, LlmProviderModel, TraceProvider, VoiceProvider
from apps.service_providers.selectors import llm_models_for
from apps.teams.config_cache import cached_config
from apps.teams.models import Team
from apps.utils import sql_rows

# Content fields a person does not edit, so a version comparison does not list them.
_HIDDEN_COMPARE_FIELDS = {"team", "public_id", "is_archived"}
# Linked rows that every version copies: compared by what they hold, not by id.
_LINKED_FIELDS = ("pipeline", "consent_form", "source_material")


def chatbots_for(team: Team) -> QuerySet[Experiment]:
    """The team's chatbots (working copies), with session counts for the list page."""
    return (
        Experiment.objects.filter(team=team, working_version__isnull=True, is_archived=False)
        .select_related("pipeline")
        .annotate(session_count=Count("sessions", distinct=True))
        .order_by("name")
    )


def published_version(chatbot: Experiment) -> Experiment | None:
    return chatbot.versions.filter(is_published=True).first()


def serving_version(experiment: Experiment) -> Experiment:
    """The version channels serve: the published one, else the working copy."""
    working = experiment.working
    served = cached_config(working.team, ("serving-version", working.pk), lambda: _serving_row(working))
    served.team = working.team
    return served


def _serving_row(working: Experiment) -> Experiment:
    published = _with_run_rows(working.versions.all(), is_published=True)
    return published or _with_run_rows(Experiment.objects.all(), pk=working.pk) or working


def served_version(session: ExperimentSession) -> Experiment:
    """The version a session's participant meets: the one the session is pinned to, else the
    published version, else the working copy (the same rule as the bot runtime's)."""
    working = session.experiment.working
    if not Experiment.team.is_cached(working) and ExperimentSession.team.is_cached(session):
        working.team = session.team  # the same team, already loaded
    return version_to_serve(working, session.version_number)


def version_to_serve(chatbot: Experiment, version_number: int | None) -> Experiment:
    """The version a session pinned to `version_number` (None: not pinned) meets; see `served_version`.
    Also for a session about to start, whose consent form comes from that version."""
    working = chatbot.working
    if version_number == 0:
        # Pinned to the working copy: Open Chat Studio's number for it, the one after the newest
        # version, is stored as 0, the working copy's own number (apps.api.chatbot_access).
        return _with_run_rows(Experiment.objects.all(), pk=working.pk) or working
    if version_number is not None:
        number = version_number
        pinned = cached_config(
            working.team,
            ("version", working.pk, number),
            lambda: _with_run_rows(working.versions.all(), version_number=number),
        )
        if pinned is not None:
            pinned.team = working.team
            return pinned
    return serving_version(working)


def _with_run_rows(chatbots: QuerySet[Experiment], **lookup) -> Experiment | None:
    """The matching chatbot or version with the rows a run and a chat page read beside it."""
    return chatbots.filter(**lookup).select_related("pipeline", "source_material", "consent_form").first()


def chatbot_versions(chatbot: Experiment) -> QuerySet[Experiment]:
    return chatbot.versions.order_by("-version_number")


def next_version_number(chatbot: Experiment) -> int:
    """The number the chatbot's next version will take (Open Chat Studio's working-copy number)."""
    return (chatbot.versions.aggregate(newest=Max("version_number"))["newest"] or 0) + 1


def version_by_number(chatbot: Experiment, number: int) -> Experiment | None:
    """The version with this number; 0 means the working copy."""
    if number == 0:
        return chatbot
    return chatbot.versions.filter(version_number=number).first()


def sessions_for(chatbot: Experiment, *, status: str = "", participant: str = "") -> QuerySet[ExperimentSession]:
    sessions = (
        ExperimentSession.objects.filter(team_id=chatbot.team_id, experiment=chatbot)
        .select_related("participant")
        .annotate(
            message_count=Count("chat__messages", filter=~Q(chat__messages__message_type=ChatMessage.Type.SYSTEM))
        )
        .order_by("-last_activity_at", "-created_at")
    )
    if status:
        sessions = sessions.filter(status=status)
    if participant:
        sessions = sessions.filter(participant__identifier__icontains=participant.strip())
    return sessions


def transcript(session: ExperimentSession) -> QuerySet[ChatMessage]:
    """The messages a person reads: hidden ones (seed messages) and system notes are left out."""
    return (
        ChatMessage.objects.filter(team_id=session.team_id, chat_id=session.chat_id)
        .exclude(message_type=ChatMessage.Type.SYSTEM)
        .exclude(metadata__contains={"hidden": True})
        .order_by("created_at", "id")
    )


def web_sessions_of_user(chatbot: Experiment, email: str) -> QuerySet[ExperimentSession]:
    return ExperimentSession.objects.filter(
        team_id=chatbot.team_id, experiment=chatbot, platform="web", participant__identifier=email
    )


def sessions_of_participant(participant: Participant) -> QuerySet[ExperimentSession]:
    return (
        ExperimentSession.objects.filter(team_id=participant.team_id, participant=participant)
        .select_related("experiment")
        .order_by("-last_activity_at", "-created_at")
    )


@dataclass
class ChatbotData:
    chatbot: Experiment
    data: dict


def participant_data_by_chatbot(participant: Participant) -> list[ChatbotData]:
    """The participant's data for each chatbot they have data for or have talked to (empty if none)."""
    rows = {
        row.experiment_id: row
        for row in ParticipantData.objects.filter(team_id=participant.team_id, participant=participant)
    }
    chatbot_ids = set(rows) | set(sessions_of_participant(participant).values_list("experiment_id", flat=True))
    chatbots = Experiment.objects.filter(team_id=participant.team_id, pk__in=chatbot_ids).order_by("name")
    return [ChatbotData(chatbot, rows[chatbot.pk].data if chatbot.pk in rows else {}) for chatbot in chatbots]


def llm_providers_for(team: Team) -> QuerySet[LlmProvider]:
    return LlmProvider.objects.filter(team=team).order_by("name")


def default_llm_choice(team: Team) -> tuple[LlmProvider | None, LlmProviderModel | None]:
    """The provider and model a new chatbot starts with: the team's local model when it has one,
    so a new team can chat without an API key."""
    providers = llm_providers_for(team)
    provider = providers.filter(type="local").first() or providers.first()
    if provider is None:
        return None, None
    return provider, models_for_provider(team, provider).first()


def voice_providers_for(team: Team) -> QuerySet[VoiceProvider]:
    return VoiceProvider.objects.filter(team=team).order_by("name")


def trace_providers_for(team: Team) -> QuerySet[TraceProvider]:
    return TraceProvider.objects.filter(team=team).order_by("name")


def models_for_provider(team: Team, provider: LlmProvider | None) -> QuerySet[LlmProviderModel]:
    if provider is None:
        return LlmProviderModel.objects.none()
    return llm_models_for(team, provider.type).filter(deprecated=False).order_by("name")


def consent_forms_for(team: Team) -> QuerySet[ConsentForm]:
    return ConsentForm.objects.filter(team=team, working_version__isnull=True, is_archived=False)


def source_materials_for(team: Team) -> QuerySet[SourceMaterial]:
    return SourceMaterial.objects.filter(team=team, working_version__isnull=True, is_archived=False)


def chatbots_using(resource: ConsentForm | SourceMaterial) -> QuerySet[Experiment]:
    """The team's chatbots (working copies, not archived) whose settings name this consent form or
    source material (its working copy; versions hold their own frozen copies)."""
    field = "consent_form" if isinstance(resource, ConsentForm) else "source_material"
    return Experiment.objects.filter(
        team_id=resource.team_id, working_version__isnull=True, is_archived=False, **{field: resource}
    ).order_by("name")


def chatbot_names_by_resource(field: str, team: Team) -> dict[int, list[str]]:
    """For the list pages: consent form (or source material) id → names of the chatbots using it."""
    names: dict[int, list[str]] = {}
    rows = Experiment.objects.filter(
        team=team, working_version__isnull=True, is_archived=False, **{f"{field}__isnull": False}
    ).values_list(f"{field}_id", "name")
    for resource_id, name in rows.order_by("name"):
        names.setdefault(resource_id, []).append(name)
    return names


@dataclass(frozen=True)
class FieldDifference:
    field: str
    label: str
    a: Any
    b: Any


def compare_versions(a: Experiment, b: Experiment) -> list[FieldDifference]:
    """What differs between two versions of one chatbot (the working copy counts as a version).

    Linked rows (pipeline, consent form, source material) are copied for every version, so their
    ids always differ; they are compared by content instead."""
    differences = []
    for name, value_a, value_b in a.compare_with(b):
        if name in _HIDDEN_COMPARE_FIELDS or name in _LINKED_FIELDS:
            continue
        differences.append(FieldDifference(name, _label(name), value_a, value_b))
    pipeline_change = pipeline_difference(a.pipeline, b.pipeline)
    if pipeline_change:
        differences.append(FieldDifference("pipeline", "Pipeline", pipeline_change[0], pipeline_change[1]))
    for name in ("consent_form", "source_material"):
        linked_a, linked_b = getattr(a, name), getattr(b, name)
        if _linked_content(linked_a) != _linked_content(linked_b):
            differences.append(FieldDifference(name, _label(name), linked_a or "—", linked_b or "—"))
    return differences


def pipeline_difference(a: Pipeline, b: Pipeline) -> tuple[str, str] | None:
    """None when the graphs are the same; else a short summary of each side's changed nodes."""
    if a.data == b.data:
        return None
    nodes_a = {node.id: node for node in a.graph.nodes}
    nodes_b = {node.id: node for node in b.graph.nodes}
    # Named by the labels people gave the nodes in the builder, not by their internal ids ("n2").
    only_a = sorted(nodes_a[node_id].name for node_id in nodes_a.keys() - nodes_b.keys())
    only_b = sorted(nodes_b[node_id].name for node_id in nodes_b.keys() - nodes_a.keys())
    changed = sorted(
        nodes_a[node_id].name
        for node_id in nodes_a.keys() & nodes_b.keys()
        if (nodes_a[node_id].type, nodes_a[node_id].params) != (nodes_b[node_id].type, nodes_b[node_id].params)
    )

    def summary(only: list[str]) -> str:
        parts = [f"only here: {', '.join(only)}"] if only else []
        if changed:
            parts.append(f"settings differ: {', '.join(changed)}")
        return "Graph differs" + (f" ({'; '.join(parts)})" if parts else " (edges or layout)")

    return summary(only_a), summary(only_b)


@dataclass(frozen=True)
class PromptDiff:
    node: str  # the node's label
    diff: str  # unified diff, a's prompt to b's


def prompt_diffs(a: Pipeline, b: Pipeline, *, a_label: str = "a", b_label: str = "b") -> list[PromptDiff]:
    """A unified diff of each node's prompt that differs between two pipelines (a node on one side
    only is diffed against an empty prompt): a prompt change is the change people look for."""
    prompts_a = {node.id: node for node in a.graph.nodes if isinstance(node.params.get("prompt"), str)}
    prompts_b = {node.id: node for node in b.graph.nodes if isinstance(node.params.get("prompt"), str)}
    diffs = []
    for node_id in sorted(prompts_a.keys() | prompts_b.keys()):
        node_a, node_b = prompts_a.get(node_id), prompts_b.get(node_id)
        text_a = node_a.params["prompt"] if node_a else ""
        text_b = node_b.params["prompt"] if node_b else ""
        if text_a == text_b:
            continue
        lines = difflib.unified_diff(
            text_a.splitlines(), text_b.splitlines(), fromfile=a_label, tofile=b_label, lineterm=""
        )
        diffs.append(PromptDiff((node_b or node_a).name, "\n".join(lines)))  # type: ignore[union-attr]
    return diffs


def _linked_content(row) -> dict[str, Any] | None:
    if row is None:
        return None
    skip = {"team", "is_archived"}
    return {name: getattr(row, name) for name in row.content_fields() if name not in skip}


def _label(name: str) -> str:
    field = Experiment._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


# --- Read on every API message, written as SQL (apps/utils/sql_rows.py, ADR 0020) -------------------
# The session with its participant and, in a LEFT JOIN, the participant's data for the session's
# chatbot, as `sessions.with_participant_data(...).select_related("participant")` reads them;
# `apps/experiments/tests/test_session_selectors.py` compares both.
_SESSION_SQL = """
    SELECT {session}, {participant}, d."id", d."data"{experiment_columns}
    FROM {session_table} s
    JOIN {participant_table} p ON p."id" = s."participant_id"
    LEFT JOIN {data_table} d ON d."participant_id" = s."participant_id" AND d."experiment_id" = s."experiment_id"
    {experiment_join}
    WHERE s."team_id" = %s AND s."public_id" = %s{experiment_filter}
    ORDER BY s."id" LIMIT 1
"""


def _session_sql(*, of_chatbot: bool) -> str:
    return _SESSION_SQL.format(
        session=sql_rows.columns(ExperimentSession, "s"),
        participant=sql_rows.columns(Participant, "p"),
        session_table=sql_rows.table(ExperimentSession),
        participant_table=sql_rows.table(Participant),
        data_table=sql_rows.table(ParticipantData),
        experiment_columns="" if of_chatbot else ", " + sql_rows.columns(Experiment, "e"),
        experiment_join="" if of_chatbot else f'JOIN {sql_rows.table(Experiment)} e ON e."id" = s."experiment_id"',
        experiment_filter=' AND s."experiment_id" = %s' if of_chatbot else "",
    )


_CHATBOT_SESSION = _session_sql(of_chatbot=True)
_TEAM_SESSION = _session_sql(of_chatbot=False)
_DATA_FIELD = ParticipantData._meta.get_field("data")


def session_with_participant(team_id: int, public_id: uuid.UUID, experiment_id: int | None = None):
    """The team's session `public_id` (of chatbot `experiment_id` if given, else with its chatbot
    loaded) with its participant, and `loaded_participant_data_id` / `loaded_participant_data` set
    as `sessions.with_participant_data` annotates them; None if there is none."""
    if experiment_id is not None:
        rows = sql_rows.fetch(_CHATBOT_SESSION, [team_id, public_id, experiment_id])
    else:
        rows = sql_rows.fetch(_TEAM_SESSION, [team_id, public_id])
    if not rows:
        return None
    row = rows[0]
    session = sql_rows.instance(ExperimentSession, row)
    position = sql_rows.width(ExperimentSession)
    session.participant = sql_rows.instance(Participant, row, position)
    position += sql_rows.width(Participant)
    session.loaded_participant_data_id = row[position]  # type: ignore[attr-defined]
    session.loaded_participant_data = sql_rows.db_value(_DATA_FIELD, row[position + 1])  # type: ignore[attr-defined]
    if experiment_id is None:
        session.experiment = sql_rows.instance(Experiment, row, position + 2)
    return session
