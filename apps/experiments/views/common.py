"""Helpers shared by the chatbot pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from apps.experiments import selectors
from apps.experiments.models import Experiment
from apps.teams.selectors import get_team_object_or_404


def chatbot_or_404(request, pk: int) -> Experiment:
    """The team's chatbot (its working copy, not archived) or 404."""
    return get_team_object_or_404(
        Experiment.objects.select_related("pipeline"),
        request.team,
        pk=pk,
        working_version__isnull=True,
        is_archived=False,
    )


def version_or_404(chatbot: Experiment, number: int) -> Experiment:
    version = selectors.version_by_number(chatbot, number)
    if version is None:
        raise Http404("No such version")
    return version


def chatbot_context(request, chatbot: Experiment, tab: str) -> dict[str, Any]:
    """What the chatbot header and tabs need."""
    membership = request.team_membership
    return {
        "chatbot": chatbot,
        "tab": tab,
        "published": selectors.published_version(chatbot),
        "version_choices": selectors.chatbot_versions(chatbot),
        "can_change": membership.has_perm("experiments.change_experiment"),
        "can_archive": membership.has_perm("experiments.delete_experiment"),
        "can_read_chats": membership.has_perm("chat.view_chatmessage"),
    }
