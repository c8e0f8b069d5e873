"""Consent forms and source material: the resources a chatbot's settings link to. Each has a list,
create, edit and archive page; only working copies are listed and edited (a chatbot version keeps
its own frozen copy), and one still used by a chatbot is not archived."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.experiments import actions, selectors
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.forms import ConsentFormForm, SourceMaterialForm
from apps.experiments.models import ConsentForm, SourceMaterial
from apps.teams.decorators import team_permission_required
from apps.teams.models import Team
from apps.teams.selectors import get_team_object_or_404

_URL_SUFFIXES = {"list": "s", "new": "_new", "edit": "_edit", "archive": "_archive"}


@dataclass(frozen=True)
class ResourceKind:
    model: type[Model]
    form_class: type[forms.ModelForm]
    url_prefix: str  # URL names: <prefix>s, <prefix>_new, <prefix>_edit, <prefix>_archive
    field: str  # the chatbot (Experiment) field that links to it
    singular: str
    plural: str
    description: str
    markdown_field: str = ""  # a field previewed as markdown while it is edited
    icon: str = "file-text"  # Lucide icon, as in the main navigation

    def url_name(self, page: str) -> str:
        return f"chatbots:{self.url_prefix}{_URL_SUFFIXES[page]}"

    def permission(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def working_copies(self, team: Team) -> QuerySet:
        if self.model is ConsentForm:
            return selectors.consent_forms_for(team)
        return selectors.source_materials_for(team)


CONSENT_FORMS = ResourceKind(
    model=ConsentForm,
    form_class=ConsentFormForm,
    url_prefix="consent_form",
    field="consent_form",
    singular="consent form",
    plural="Consent forms",
    description="What a participant reads and agrees to before a web chat starts, and whether they are asked "
    "for an email address or name.",
    markdown_field="consent_text",
    icon="file-check",
)
SOURCE_MATERIAL = ResourceKind(
    model=SourceMaterial,
    form_class=SourceMaterialForm,
    url_prefix="source_material",
    field="source_material",
    singular="source material",
    plural="Source material",
    description="Reference text a chatbot's prompts can include as {source_material}.",
    icon="book-open",
)


def _resource_or_404(kind: ResourceKind, request, pk: int):
    return get_team_object_or_404(kind.model, request.team, pk=pk, working_version__isnull=True, is_archived=False)


def _context(request, kind: ResourceKind, **extra) -> dict:
    membership = request.team_membership
    return {
        "kind": kind,
        "can_add": membership.has_perm(kind.permission("add")),
        "can_change": membership.has_perm(kind.permission("change")),
        "can_archive": membership.has_perm(kind.permission("delete")),
        "names": {page: kind.url_name(page) for page in _URL_SUFFIXES},
        **extra,
    }


class ResourceViews:
    """The four views of one kind, each guarded by that kind's permissions."""

    def __init__(self, kind: ResourceKind):
        self.kind = kind
        self.list = team_permission_required(kind.permission("view"))(self._list)
        self.new = team_permission_required(kind.permission("add"))(self._new)
        self.edit = team_permission_required(kind.permission("view"))(self._edit)
        self.archive = team_permission_required(kind.permission("delete"))(require_POST(self._archive))

    def _list(self, request, team_slug: str):
        kind = self.kind
        used_by = selectors.chatbot_names_by_resource(kind.field, request.team)
        resources = kind.working_copies(request.team).annotate(version_count=Count("versions"))
        rows = [{"resource": resource, "used_by": used_by.get(resource.pk, [])} for resource in resources]
        return render(request, "experiments/resources/list.html", _context(request, kind, rows=rows))

    def _new(self, request, team_slug: str):
        kind = self.kind
        form = kind.form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            resource = actions.save_linked_resource(team=request.team, resource=form.save(commit=False))
            messages.success(request, f"{kind.singular.capitalize()} “{resource}” created.")
            return redirect(kind.url_name("list"), team_slug=team_slug)
        return self._render_form(request, form, resource=None)

    def _edit(self, request, team_slug: str, pk: int):
        kind = self.kind
        resource = _resource_or_404(kind, request, pk)
        can_change = request.team_membership.has_perm(kind.permission("change"))
        if request.method == "POST" and not can_change:
            raise PermissionDenied("Your role in this team does not allow this.")
        form = kind.form_class(request.POST or None, instance=resource)
        if request.method == "POST" and form.is_valid():
            try:
                actions.save_linked_resource(team=request.team, resource=form.save(commit=False))
            except ChatbotActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{kind.singular.capitalize()} “{resource}” saved.")
                return redirect(kind.url_name("list"), team_slug=team_slug)
        return self._render_form(request, form, resource=resource)

    def _render_form(self, request, form, *, resource):
        kind = self.kind
        context = _context(
            request,
            kind,
            form=form,
            resource=resource,
            used_by=selectors.chatbots_using(resource) if resource else [],
            markdown_field_id=form[kind.markdown_field].auto_id if kind.markdown_field else "",
        )
        return render(request, "experiments/resources/form.html", context, status=400 if form.errors else 200)

    def _archive(self, request, team_slug: str, pk: int):
        kind = self.kind
        resource = _resource_or_404(kind, request, pk)
        try:
            actions.archive_linked_resource(resource=resource)
        except ChatbotActionError as error:
            messages.error(request, str(error))
            return redirect(kind.url_name("edit"), team_slug=team_slug, pk=resource.pk)
        messages.success(request, f"{kind.singular.capitalize()} “{resource}” archived.")
        return redirect(kind.url_name("list"), team_slug=team_slug)


consent_forms = ResourceViews(CONSENT_FORMS)
source_material = ResourceViews(SOURCE_MATERIAL)
