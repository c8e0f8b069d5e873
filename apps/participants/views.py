"""Participant pages: the team's participants, and one participant's sessions and data per chatbot."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.experiments import selectors as experiment_selectors
from apps.experiments.models import Experiment
from apps.participants import actions, selectors
from apps.participants.forms import ParticipantDataForm, ParticipantFilterForm
from apps.participants.models import Participant
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

PARTICIPANTS_PER_PAGE = 50


@team_permission_required("participants.view_participant")
def participant_list(request, team_slug: str):
    filters = ParticipantFilterForm(request.GET)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    participants = selectors.participants_for(
        request.team, search=criteria.get("q", ""), platform=criteria.get("platform", "")
    )
    page = Paginator(participants, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "platforms": selectors.platforms_of(request.team),
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "participants/participant_list.html", context)


@team_permission_required("participants.view_participant")
def participant_detail(request, team_slug: str, pk: int):
    participant = get_team_object_or_404(Participant, request.team, pk=pk)
    return _render_detail(request, participant)


@team_permission_required("participants.view_participant", "participants.change_participantdata")
@require_POST
def participant_data_edit(request, team_slug: str, pk: int, chatbot_pk: int):
    participant = get_team_object_or_404(Participant, request.team, pk=pk)
    chatbot = get_team_object_or_404(Experiment, request.team, pk=chatbot_pk, working_version__isnull=True)
    form = ParticipantDataForm(request.POST, prefix=_prefix(chatbot))
    if not form.is_valid():
        return _render_detail(request, participant, invalid=(chatbot.pk, form))
    actions.set_participant_data(participant=participant, chatbot=chatbot, data=form.cleaned_data["participant_data"])
    messages.success(request, f"Participant data for “{chatbot.name}” saved.")
    url = reverse("participants:detail", kwargs={"team_slug": team_slug, "pk": participant.pk})
    return redirect(f"{url}#data-{chatbot.pk}")


def _prefix(chatbot: Experiment) -> str:
    return f"chatbot-{chatbot.pk}"


def _render_detail(request, participant: Participant, invalid: tuple[int, ParticipantDataForm] | None = None):
    membership = request.team_membership
    data_sets = []
    if membership.has_perm("participants.view_participantdata"):
        for item in experiment_selectors.participant_data_by_chatbot(participant):
            if invalid and invalid[0] == item.chatbot.pk:
                form = invalid[1]
            else:
                initial = {"participant_data": ParticipantDataForm.dump(item.data)}
                form = ParticipantDataForm(prefix=_prefix(item.chatbot), initial=initial)
            data_sets.append({"chatbot": item.chatbot, "data": item.data, "form": form})
    context = {
        "participant": participant,
        "sessions": experiment_selectors.sessions_of_participant(participant),
        "data_sets": data_sets,
        "can_read_chats": membership.has_perms(("experiments.view_experiment", "chat.view_chatmessage")),
        "can_change_data": membership.has_perm("participants.change_participantdata"),
    }
    return render(request, "participants/participant_detail.html", context, status=400 if invalid else 200)
