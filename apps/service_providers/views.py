"""Team settings pages for providers: list, add, edit, test, delete; and the team's own models."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.service_providers import actions, selectors
from apps.service_providers.connection_tests import NoModelToTest, can_test_connection, check_provider_connection
from apps.service_providers.errors import ProviderError
from apps.service_providers.exceptions import ProviderActionError
from apps.service_providers.forms import ProviderForm, TestConnectionForm
from apps.service_providers.kinds import PROVIDER_KINDS, ProviderKind
from apps.service_providers.llm.registry import LLM_PROVIDER_TYPES
from apps.service_providers.models import ConfiguredProvider, LlmProvider
from apps.teams.decorators import TeamRequest, team_permission_required
from apps.teams.selectors import get_team_object_or_404

VIEW_PERMISSION = "service_providers.view_llmprovider"


def _kind_or_404(kind_slug: str) -> ProviderKind:
    kind = PROVIDER_KINDS.get(kind_slug)
    if kind is None:
        raise Http404("No such provider kind")
    return kind


def _require(request: TeamRequest, kind: ProviderKind, action: str) -> None:
    if not request.team_membership.has_perm(f"service_providers.{action}_{kind.model_name.lower()}"):
        raise PermissionDenied("Your role in this team does not allow this.")


@team_permission_required(VIEW_PERMISSION)
def provider_list(request: TeamRequest, team_slug: str) -> HttpResponse:
    sections = [
        {"kind": kind, "providers": selectors.providers_of_kind(request.team, kind), "types": kind.types()}
        for kind in PROVIDER_KINDS.values()
    ]
    context = {
        "sections": sections,
        "team_models": selectors.team_models(request.team),
        "can_edit": request.team_membership.has_perm("service_providers.change_llmprovider"),
        "active_tab": "providers",
    }
    return render(request, "service_providers/provider_list.html", context)


@team_permission_required(VIEW_PERMISSION)
def provider_create(request: TeamRequest, team_slug: str, kind_slug: str) -> HttpResponse:
    kind = _kind_or_404(kind_slug)
    _require(request, kind, "add")
    type_slug = request.GET.get("type") or request.POST.get("type", "")
    if type_slug not in kind.types():
        return render(request, "service_providers/choose_type.html", {"kind": kind, "types": kind.types()})
    provider_type = kind.get_type(type_slug)
    form = ProviderForm(request.POST or None, provider_type=provider_type)
    if request.method == "POST" and form.is_valid():
        try:
            provider = actions.save_provider(
                team=request.team,
                kind=kind,
                type_slug=type_slug,
                name=form.cleaned_data["name"],
                settings=form.settings,
            )
        except ProviderActionError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{kind.singular.capitalize()} “{provider.name}” added.")
            return redirect("service_providers:edit", team_slug=team_slug, kind_slug=kind.slug, pk=provider.pk)
    context = {"kind": kind, "provider_type": provider_type, "form": form, "provider": None}
    return render(request, "service_providers/provider_form.html", context, status=400 if form.errors else 200)


@team_permission_required(VIEW_PERMISSION)
def provider_edit(request: TeamRequest, team_slug: str, kind_slug: str, pk: int) -> HttpResponse:
    kind = _kind_or_404(kind_slug)
    provider = get_team_object_or_404(kind.model, request.team, pk=pk)
    provider_type = kind.get_type(provider.type)
    form = ProviderForm(
        request.POST or None,
        provider_type=provider_type,
        stored_config=provider.config,
        initial={"name": provider.name},
    )
    if request.method == "POST":
        _require(request, kind, "change")
        if form.is_valid():
            try:
                actions.save_provider(
                    team=request.team,
                    kind=kind,
                    provider=provider,
                    type_slug=provider.type,
                    name=form.cleaned_data["name"],
                    settings=form.settings,
                )
            except ProviderActionError as error:
                form.add_error("name", str(error))
            else:
                messages.success(request, f"“{provider.name}” saved.")
                return redirect("service_providers:edit", team_slug=team_slug, kind_slug=kind.slug, pk=provider.pk)
    context = {
        "kind": kind,
        "provider_type": provider_type,
        "form": form,
        "provider": provider,
        "test_form": _test_form(request, kind, provider),
        "can_test": can_test_connection(kind, provider_type),
        "can_edit": request.team_membership.has_perm(f"service_providers.change_{kind.model_name.lower()}"),
    }
    return render(request, "service_providers/provider_form.html", context, status=400 if form.errors else 200)


def _test_form(
    request: TeamRequest, kind: ProviderKind, provider: ConfiguredProvider, data: QueryDict | None = None
) -> TestConnectionForm | None:
    if kind.slug != "llm" or not isinstance(provider, LlmProvider):
        return None
    models = selectors.llm_models_for(request.team, provider.type).filter(deprecated=False)
    default = selectors.default_test_model(request.team, provider)
    return TestConnectionForm(data, models_queryset=models, initial={"model": default})


@team_permission_required(VIEW_PERMISSION)
@require_POST
def provider_test(request: TeamRequest, team_slug: str, kind_slug: str, pk: int) -> HttpResponse:
    kind = _kind_or_404(kind_slug)
    provider = get_team_object_or_404(kind.model, request.team, pk=pk)
    _require(request, kind, "change")
    test_form = _test_form(request, kind, provider, data=request.POST)
    model = test_form.chosen_model() if test_form is not None and test_form.is_valid() else None
    try:
        result = {"ok": True, "message": check_provider_connection(provider, kind, model)}
    except NoModelToTest as error:
        # Where to add one, besides typing a name (the form's text field).
        result = {
            "ok": False,
            "message": str(error),
            "add_model_url": reverse("service_providers:model_create", args=[team_slug]),
        }
    except ProviderError as error:
        result = {"ok": False, "message": str(error)}
    if request.htmx:
        return render(request, "service_providers/test_result.html", {"result": result})
    notify = messages.success if result["ok"] else messages.error
    notify(request, str(result["message"]))
    return redirect("service_providers:edit", team_slug=team_slug, kind_slug=kind.slug, pk=provider.pk)


@team_permission_required(VIEW_PERMISSION)
@require_POST
def provider_delete(request: TeamRequest, team_slug: str, kind_slug: str, pk: int) -> HttpResponse:
    kind = _kind_or_404(kind_slug)
    provider = get_team_object_or_404(kind.model, request.team, pk=pk)
    _require(request, kind, "delete")
    try:
        actions.delete_provider(provider=provider, kind=kind)
    except ProviderActionError as error:
        messages.error(request, str(error))
        return redirect("service_providers:edit", team_slug=team_slug, kind_slug=kind.slug, pk=provider.pk)
    messages.success(request, f"“{provider.name}” deleted.")
    return redirect("service_providers:list", team_slug=team_slug)


def llm_type_choices() -> list[tuple[str, str]]:
    return [(slug, provider_type.label) for slug, provider_type in LLM_PROVIDER_TYPES.items()]
