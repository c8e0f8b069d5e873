"""Widget channels of a chatbot, managed from its Share tab."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.channels import actions
from apps.channels.models import ExperimentChannel
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404


class WidgetChannelForm(forms.Form):
    name = forms.CharField(max_length=100)
    allowed_origins = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # Optional so that a form without it (an older page) gets the default level.
    auth_level = forms.ChoiceField(choices=ExperimentChannel.AuthLevel.choices, required=False)


class WidgetAuthLevelForm(forms.Form):
    auth_level = forms.ChoiceField(choices=ExperimentChannel.AuthLevel.choices)


@team_permission_required("channels.add_experimentchannel")
@require_POST
def widget_create(request, team_slug: str, pk: int):
    chatbot = get_team_object_or_404(Experiment, request.team, pk=pk, working_version__isnull=True)
    form = WidgetChannelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the widget a name and choose its authentication.")
    else:
        try:
            actions.create_widget_channel(
                experiment=chatbot,
                name=form.cleaned_data["name"],
                allowed_origins=form.cleaned_data["allowed_origins"].splitlines(),
                auth_level=form.cleaned_data["auth_level"] or ExperimentChannel.AuthLevel.EMBED_KEY,
            )
        except ChatbotActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Widget channel added: only the listed sites can use its embed key.")
    return redirect("chatbots:share", team_slug=team_slug, pk=chatbot.pk)


@team_permission_required("channels.delete_experimentchannel")
@require_POST
def widget_delete(request, team_slug: str, pk: int, channel_id: int):
    channel = get_team_object_or_404(ExperimentChannel, request.team, pk=channel_id, experiment_id=pk)
    actions.delete_channel(channel=channel)
    messages.success(request, f"Widget channel “{channel.name}” removed.")
    return redirect("chatbots:share", team_slug=team_slug, pk=pk)


@team_permission_required("channels.change_experimentchannel")
@require_POST
def widget_auth_level(request, team_slug: str, pk: int, channel_id: int):
    channel = get_team_object_or_404(ExperimentChannel, request.team, pk=channel_id, experiment_id=pk)
    form = WidgetAuthLevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed authentication levels.")
    else:
        actions.set_widget_auth_level(channel=channel, auth_level=form.cleaned_data["auth_level"])
        messages.success(request, f"Widget channel “{channel.name}”: {channel.get_auth_level_display()}.")
    return redirect("chatbots:share", team_slug=team_slug, pk=pk)
