"""Reads for the participant pages: the team's participants (searched and filtered), one
participant's sessions, and their data per chatbot."""

from __future__ import annotations

import uuid

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from apps.participants.models import Participant, ParticipantData
from apps.teams.models import Team


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
