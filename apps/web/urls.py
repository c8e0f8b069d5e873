from django.urls import path

from apps.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("a/<slug:team_slug>/", views.team_home, name="team_home"),
]
