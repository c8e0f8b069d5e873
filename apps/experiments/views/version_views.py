"""The Versions tab: list, create (and publish), publish, compare two versions, revert."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.experiments import actions, selectors
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.forms import CompareForm, VersionCreateForm
from apps.experiments.views.common import chatbot_context, chatbot_or_404, version_or_404
from apps.teams.decorators import team_permission_required


@team_permission_required("experiments.view_experiment")
def version_list(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    compare_form = CompareForm(request.GET if {"a", "b"} <= request.GET.keys() else None)
    comparison = None
    if compare_form.is_valid():
        a = version_or_404(chatbot, compare_form.cleaned_data["a"])
        b = version_or_404(chatbot, compare_form.cleaned_data["b"])
        differences = selectors.compare_versions(a, b)
        comparison = {
            "a": _label(a),
            "b": _label(b),
            "differences": differences,
            "pipeline_differs": any(diff.field == "pipeline" for diff in differences),
            "prompt_diffs": selectors.prompt_diffs(a.pipeline, b.pipeline, a_label=_label(a), b_label=_label(b)),
        }
    context = {
        **chatbot_context(request, chatbot, "versions"),
        "versions": selectors.chatbot_versions(chatbot),
        "version_form": VersionCreateForm(),
        "compare_form": compare_form,
        "comparison": comparison,
    }
    return render(request, "experiments/versions.html", context, status=400 if compare_form.errors else 200)


def _label(version) -> str:
    return "Working copy" if version.is_working_version else f"Version {version.version_number}"


@team_permission_required("experiments.change_experiment")
@require_POST
def version_create(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    form = VersionCreateForm(request.POST)
    valid = form.is_valid()  # every field is optional; anything unreadable means "no description, no publish"
    description: str = form.cleaned_data["description"] if valid else ""
    publish: bool = form.cleaned_data["publish"] if valid else False
    try:
        version = actions.create_chatbot_version(experiment=chatbot, description=description, publish=publish)
    except ChatbotActionError as error:
        messages.error(request, str(error))
    else:
        published = " and published" if version.is_published else ""
        messages.success(request, f"Version {version.version_number} created{published}.")
    return redirect("chatbots:versions", team_slug=team_slug, pk=chatbot.pk)


@team_permission_required("experiments.change_experiment")
@require_POST
def version_publish(request, team_slug: str, pk: int, number: int):
    chatbot = chatbot_or_404(request, pk)
    version = version_or_404(chatbot, number)
    try:
        actions.publish_version(version=version)
    except ChatbotActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Version {version.version_number} is now published.")
    return redirect("chatbots:versions", team_slug=team_slug, pk=chatbot.pk)


@team_permission_required("experiments.change_experiment")
@require_POST
def version_revert(request, team_slug: str, pk: int, number: int):
    chatbot = chatbot_or_404(request, pk)
    version = version_or_404(chatbot, number)
    try:
        actions.revert_to_version(experiment=chatbot, version=version)
    except ChatbotActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The working copy now matches version {version.version_number}.")
    return redirect("chatbots:versions", team_slug=team_slug, pk=chatbot.pk)
