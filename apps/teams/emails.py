from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from apps.teams.models import Invitation


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("account_teams:accept_invitation", args=[invitation.token])


def send_invitation_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return  # cancelled, accepted or expired since it was queued: nothing to send
    context = {"invitation": invitation, "url": invitation_url(invitation)}
    send_mail(
        subject=f"You're invited to join {invitation.team.name}",
        message=render_to_string("teams/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
