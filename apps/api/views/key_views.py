"""Team settings: API keys (create, shown once; revoke).

A new key is kept in the session and the browser is redirected (303) to the list, which shows it once
and forgets it: reloading the page then neither repeats the POST (a second key) nor shows the key again."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.api.keys import NotAMember, create_api_key, revoke_api_key
from apps.api.models import TeamApiKey
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

# Session key of a just-created raw key, popped by the next GET of the list.
NEW_KEY_SESSION_KEY = "api_keys_new_key"


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. “CRM integration”")


@team_permission_required("api.view_teamapikey")
def api_keys(request, team_slug: str):
    form = ApiKeyForm(request.POST or None)
    new_key = None if request.method == "POST" else request.session.pop(NEW_KEY_SESSION_KEY, None)
    if request.method == "POST":
        if not request.team_membership.has_perm("api.add_teamapikey"):
            messages.error(request, "Your role does not allow creating API keys.")
            return redirect("api_keys:list", team_slug=team_slug)
        if form.is_valid():
            try:
                _, raw = create_api_key(team=request.team, name=form.cleaned_data["name"], created_by=request.user)
            except NotAMember:  # removed from the team while this request ran
                messages.error(request, "You are no longer a member of this team.")
                return redirect("home")
            request.session[NEW_KEY_SESSION_KEY] = raw
            return redirect_303("api_keys:list", team_slug=team_slug)
    context = {
        "keys": TeamApiKey.objects.filter(team=request.team).select_related("created_by"),
        "form": form,
        "new_key": new_key,
        "can_edit": request.team_membership.has_perm("api.add_teamapikey"),
        "active_tab": "api_keys",
    }
    return render(request, "api/api_keys.html", context, status=400 if form.errors else 200)


@team_permission_required("api.delete_teamapikey")
@require_POST
def revoke_key(request, team_slug: str, pk: int):
    key = get_team_object_or_404(TeamApiKey, request.team, pk=pk)
    revoke_api_key(key=key)
    messages.success(request, f"Key “{key.name}” revoked.")
    return redirect("api_keys:list", team_slug=team_slug)


def redirect_303(viewname: str, **kwargs) -> HttpResponseRedirect:
    # 303 See Other: the browser follows with a GET, so a reload never resubmits the form.
    response = HttpResponseRedirect(reverse(viewname, kwargs=kwargs))
    response.status_code = 303
    return response
