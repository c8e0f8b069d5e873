from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.teams import actions
from apps.teams.decorators import login_and_team_required, team_permission_required
from apps.teams.exceptions import TeamActionError
from apps.teams.forms import InvitationForm, MembershipRolesForm, TeamForm
from apps.teams.models import Membership
from apps.teams.selectors import get_team_object_or_404, pending_invitations, team_members


@login_required
def create_team(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = actions.create_team(creator=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Team “{team.name}” created. You are its Super Admin.")
        return redirect("web:team_home", team_slug=team.slug)
    return render(request, "teams/create_team.html", {"form": form}, status=400 if form.errors else 200)


@login_and_team_required
def team_settings(request, team_slug: str):
    team = request.team
    can_edit = request.team_membership.has_perm("teams.change_team")
    form = TeamForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST":
        if not can_edit:
            messages.error(request, "Your role does not allow renaming the team.")
            return redirect("teams:settings", team_slug=team.slug)
        if form.is_valid():
            actions.rename_team(team=team, name=form.cleaned_data["name"])
            messages.success(request, "Team name saved.")
            return redirect("teams:settings", team_slug=team.slug)
    return render_team_settings(request, team_form=form, invitation_form=InvitationForm())


def render_team_settings(request, *, team_form: TeamForm, invitation_form: InvitationForm):
    """The settings page; a form with errors makes it a 400 so clients and tests can tell."""
    context = {
        "form": team_form,
        "can_edit": request.team_membership.has_perm("teams.change_team"),
        "members": team_members(request.team),
        "invitations": pending_invitations(request.team),
        "invitation_form": invitation_form,
        "active_tab": "team",
    }
    status = 400 if team_form.errors or invitation_form.errors else 200
    return render(request, "teams/settings.html", context, status=status)


@login_and_team_required
@require_POST
def leave_team(request, team_slug: str):
    try:
        actions.leave_team(membership=request.team_membership)
    except TeamActionError as error:
        messages.error(request, str(error))
        return redirect("teams:settings", team_slug=team_slug)
    messages.success(request, f"You left {request.team.name}.")
    return redirect("web:home")


def _roles_form_for(membership, data=None) -> MembershipRolesForm:
    return MembershipRolesForm(data, initial={"groups": list(membership.groups.all())}, prefix=f"m{membership.pk}")


@team_permission_required("teams.view_membership")
def member_detail(request, team_slug: str, pk: int):
    membership = get_team_object_or_404(Membership.objects.select_related("user"), request.team, pk=pk)
    can_manage = request.team_membership.has_perm("teams.change_membership")
    form = _roles_form_for(membership, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_manage:
            messages.error(request, "Your role does not allow changing roles.")
            return redirect("teams:member_detail", team_slug=team_slug, pk=pk)
        if form.is_valid():
            try:
                actions.set_member_roles(
                    membership=membership, groups=list(form.cleaned_data["groups"]), changed_by=request.team_membership
                )
            except TeamActionError as error:
                form.add_error("groups", str(error))
            else:
                messages.success(request, f"Roles of {membership.user} saved.")
                return redirect("teams:settings", team_slug=team_slug)
    context = {"member": membership, "form": form, "can_manage": can_manage, "active_tab": "team"}
    return render(request, "teams/member_detail.html", context, status=400 if form.errors else 200)


@team_permission_required("teams.delete_membership")
@require_POST
def remove_member(request, team_slug: str, pk: int):
    membership = get_team_object_or_404(Membership.objects.select_related("user"), request.team, pk=pk)
    try:
        actions.remove_member(membership=membership, removed_by=request.team_membership)
    except TeamActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user} was removed from the team.")
    if membership.user_id == request.user.id:
        return redirect("web:home")
    return redirect("teams:settings", team_slug=team_slug)
