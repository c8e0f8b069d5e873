"""The real URL conf plus one unprotected team view, to prove the guard test catches it."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as real_urlpatterns


def leaky_view(request, team_slug):
    return HttpResponse("team data for anyone")


urlpatterns = [path("a/<slug:team_slug>/leak/", leaky_view, name="leak"), *real_urlpatterns]
