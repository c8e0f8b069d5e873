"""The team's own LLM models (fine-tunes, Azure deployments, Ollama tags) and the usage page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.service_providers import actions, selectors
from apps.service_providers.exceptions import ProviderActionError
from apps.service_providers.forms import TeamModelForm
from apps.service_providers.models import LlmProviderModel
from apps.service_providers.views import VIEW_PERMISSION, llm_type_choices
from apps.teams.decorators import TeamRequest, team_permission_required
from apps.teams.selectors import get_team_object_or_404

MODEL_FIELDS = TeamModelForm.Meta.fields


@team_permission_required(VIEW_PERMISSION)
def model_catalogue(request: TeamRequest, team_slug: str) -> HttpResponse:
    models = selectors.llm_models_for(request.team).order_by("type", "deprecated", "name")
    return render(
        request, "service_providers/model_catalogue.html", {"models": models, "type_labels": dict(llm_type_choices())}
    )


@team_permission_required("service_providers.add_llmprovider")
def model_create(request: TeamRequest, team_slug: str) -> HttpResponse:
    return _model_form(request, team_slug, model=None)


@team_permission_required("service_providers.change_llmprovider")
def model_edit(request: TeamRequest, team_slug: str, pk: int) -> HttpResponse:
    return _model_form(request, team_slug, model=get_team_object_or_404(LlmProviderModel, request.team, pk=pk))


def _model_form(request: TeamRequest, team_slug: str, model: LlmProviderModel | None) -> HttpResponse:
    form = TeamModelForm(request.POST or None, instance=model, type_choices=llm_type_choices())
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in MODEL_FIELDS}
        try:
            saved = actions.save_team_model(team=request.team, model=model, **fields)
        except ProviderActionError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Model “{saved.name}” saved.")
            return redirect("service_providers:models", team_slug=team_slug)
    context = {"form": form, "model": model}
    return render(request, "service_providers/model_form.html", context, status=400 if form.errors else 200)


@team_permission_required("service_providers.delete_llmprovider")
@require_POST
def model_delete(request: TeamRequest, team_slug: str, pk: int) -> HttpResponse:
    model = get_team_object_or_404(LlmProviderModel, request.team, pk=pk)
    try:
        actions.delete_team_model(team=request.team, model=model)
    except ProviderActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Model “{model.name}” deleted.")
    return redirect("service_providers:models", team_slug=team_slug)


@team_permission_required(VIEW_PERMISSION)
def usage(request: TeamRequest, team_slug: str) -> HttpResponse:
    days = 30
    context = {
        "days": days,
        "by_model": selectors.usage_summary(request.team, days=days, group_by="model_name"),
        "by_provider": selectors.usage_summary(request.team, days=days, group_by="provider__name"),
    }
    return render(request, "service_providers/usage.html", context)
