from django.urls import path

from apps.channels import views

# Under /a/<team_slug>/chatbots/<pk>/channels/.
urlpatterns = (
    [
        path("widget/", views.widget_create, name="widget_create"),
        path("<int:channel_id>/delete/", views.widget_delete, name="widget_delete"),
        path("<int:channel_id>/auth/", views.widget_auth_level, name="widget_auth_level"),
    ],
    "channels_ui",
)
