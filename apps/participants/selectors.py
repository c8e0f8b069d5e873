"""Reads for the participant pages: the team's participants (searched and filtered), one
participant's sessions, and their data per chatbot."""

from __future__ import annotations

import uuid

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from apps.participants.models import Participant, ParticipantData
from apps.teams.models import Team
from apps.utils import sql_rows


def participants_for(team: Team, *, search: str = "", platform: str = "") -> QuerySet[Participant]:
    participants = (
        Participant.objects.filter(team=team)
        .annotate(session_count=Count("sessions", distinct=True), last_activity=Max("sessions__last_activity_at"))
        .order_by("identifier", "platform")
    )
    if search.strip():
        term = search.strip()
        participants = participants.filter(Q(identifier__icontains=term) | Q(name__icontains=term))
    if platform:
        participants = participants.filter(platform=platform)
    return participants


def platforms_of(team: Team) -> list[str]:
    """The platforms the team's participants come from, for the filter."""
    platforms = Participant.objects.filter(team=team).values_list("platform", flat=True)
    return list(platforms.distinct().order_by("platform"))


def participants_with_data(
    team: Team, *, identifier: str = "", platform: str = "", chatbot: uuid.UUID | None = None
) -> QuerySet[Participant]:
    """The team's participants for the API, each with `chatbot_data`: their data sets (with the
    chatbot), by chatbot name. With `chatbot` (a public id), only participants with data for that
    chatbot, and only that data."""
    data_sets = (
        ParticipantData.objects.filter(team=team).select_related("experiment").order_by("experiment__name", "id")
    )
    participants = Participant.objects.filter(team=team)
    if identifier:
        participants = participants.filter(identifier=identifier)
    if platform:
        participants = participants.filter(platform=platform)
    if chatbot is not None:
        data_sets = data_sets.filter(experiment__public_id=chatbot)
        participants = participants.filter(pk__in=data_sets.values("participant_id"))
    return participants.prefetch_related(Prefetch("data_sets", queryset=data_sets, to_attr="chatbot_data"))


# Read by each new API session, written as SQL (apps/utils/sql_rows.py, ADR 0020); compared with
# its queryset in `apps/participants/tests/test_selectors.py`.
_PARTICIPANT_WITH_DATA = f"""
    SELECT {sql_rows.columns(Participant, "p")}, d."id", d."data"
    FROM {sql_rows.table(Participant)} p
    LEFT JOIN {sql_rows.table(ParticipantData)} d ON d."participant_id" = p."id" AND d."experiment_id" = %s
    WHERE p."team_id" = %s AND p."platform" = %s AND p."identifier" = %s
    ORDER BY p."id" LIMIT 1
"""


def participant_with_data(*, team_id: int, platform: str, identifier: str, experiment_id: int) -> Participant | None:
    """The team's participant (platform, identifier), with `loaded_participant_data_id` and
    `loaded_participant_data` set to their data for chatbot `experiment_id` (None without any): as
    `Participant.objects.filter(...).annotate(<the data for the chatbot, in a LEFT JOIN>).first()`."""
    rows = sql_rows.fetch(_PARTICIPANT_WITH_DATA, [experiment_id, team_id, platform, identifier])
    if not rows:
        return None
    participant = sql_rows.instance(Participant, rows[0])
    position = sql_rows.width(Participant)
    participant.loaded_participant_data_id = rows[0][position]  # type: ignore[attr-defined]
    data_field = ParticipantData._meta.get_field("data")
    participant.loaded_participant_data = sql_rows.db_value(data_field, rows[0][position + 1])  # type: ignore[attr-defined]
    return participant
