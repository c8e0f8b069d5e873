from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.teams import actions, selectors
from apps.teams.decorators import team_permission_required
from apps.teams.exceptions import TeamActionError
from apps.teams.forms import InvitationForm, TeamForm
from apps.teams.models import Invitation
from apps.teams.selectors import get_team_object_or_404
from apps.teams.views.team_views import render_team_settings


@team_permission_required("teams.add_invitation")
@require_POST
def send_invitation(request, team_slug: str):
    form = InvitationForm(request.POST)
    if form.is_valid():
        # Inviting again replaces the earlier invitation (its roles and link): say so, since the link
        # already sent stops working.
        replaces = selectors.has_unaccepted_invitation(request.team, form.cleaned_data["email"])
        try:
            invitation = actions.invite_member(
                team=request.team,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                groups=list(form.cleaned_data["groups"]),
            )
        except TeamActionError as error:
            form.add_error("email", str(error))
        else:
            replaced = " It replaces the earlier invitation, whose link no longer works." if replaces else ""
            messages.success(request, f"Invitation sent to {invitation.email}.{replaced}")
            return redirect("teams:settings", team_slug=team_slug)
    return render_team_settings(request, team_form=TeamForm(initial={"name": request.team.name}), invitation_form=form)


@team_permission_required("teams.change_invitation")
@require_POST
def resend_invitation(request, team_slug: str, pk: int):
    invitation = get_team_object_or_404(Invitation, request.team, pk=pk)
    try:
        actions.resend_invitation(invitation=invitation)
    except TeamActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("teams:settings", team_slug=team_slug)


@team_permission_required("teams.delete_invitation")
@require_POST
def cancel_invitation(request, team_slug: str, pk: int):
    invitation = get_team_object_or_404(Invitation, request.team, pk=pk)
    try:
        actions.cancel_invitation(invitation=invitation)
    except TeamActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation of {invitation.email} cancelled.")
    return redirect("teams:settings", team_slug=team_slug)


def accept_invitation(request, token):
    """The link in the invitation email. Anyone holding it may see which team invites them; accepting
    needs an account with the invited address (sign up or log in first, then come back)."""
    invitation = Invitation.objects.select_related("team", "invited_by").filter(token=token).first()
    if invitation is None:
        # Cancelled, or replaced by a newer invitation to the same address: a page that says what to do,
        # not a bare 404.
        return render(request, "teams/invitation_gone.html", status=404)
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            actions.accept_invitation(invitation=invitation, user=request.user)
        except TeamActionError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Welcome to {invitation.team.name}!")
            return redirect("web:team_home", team_slug=invitation.team.slug)
    context = {"invitation": invitation, "error": error}
    return render(request, "teams/accept_invitation.html", context, status=400 if error else 200)
