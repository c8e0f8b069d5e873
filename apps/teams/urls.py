from django.urls import path

from apps.teams.views import invitation_views, team_views

# URLs of the signed-in user, outside any team.
account_urlpatterns = (
    [
        path("teams/create/", team_views.create_team, name="create"),
        path("teams/invitation/<uuid:token>/", invitation_views.accept_invitation, name="accept_invitation"),
    ],
    "account_teams",
)

# URLs under /a/<team_slug>/team/.
team_urlpatterns = (
    [
        path("", team_views.team_settings, name="settings"),
        path("leave/", team_views.leave_team, name="leave"),
        path("members/<int:pk>/", team_views.member_detail, name="member_detail"),
        path("members/<int:pk>/remove/", team_views.remove_member, name="remove_member"),
        path("invitations/", invitation_views.send_invitation, name="send_invitation"),
        path("invitations/<int:pk>/resend/", invitation_views.resend_invitation, name="resend_invitation"),
        path("invitations/<int:pk>/cancel/", invitation_views.cancel_invitation, name="cancel_invitation"),
    ],
    "teams",
)
