"""Reads of channels."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.channels.models import ExperimentChannel
from apps.experiments.models import Experiment


def widget_channels(chatbot: Experiment) -> QuerySet[ExperimentChannel]:
    """The chatbot's active web widget channels: each has an embed key and allowed origins."""
    return ExperimentChannel.objects.filter(
        team_id=chatbot.team_id,
        experiment=chatbot,
        platform=ExperimentChannel.Platform.EMBEDDED_WIDGET,
        is_active=True,
    )
