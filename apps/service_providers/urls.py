from django.urls import path

from apps.service_providers import model_views, views

# Under /a/<team_slug>/providers/.
urlpatterns = (
    [
        path("", views.provider_list, name="list"),
        path("models/", model_views.model_catalogue, name="models"),
        path("models/new/", model_views.model_create, name="model_create"),
        path("models/<int:pk>/", model_views.model_edit, name="model_edit"),
        path("models/<int:pk>/delete/", model_views.model_delete, name="model_delete"),
        path("usage/", model_views.usage, name="usage"),
        path("<slug:kind_slug>/new/", views.provider_create, name="create"),
        path("<slug:kind_slug>/<int:pk>/", views.provider_edit, name="edit"),
        path("<slug:kind_slug>/<int:pk>/test/", views.provider_test, name="test"),
        path("<slug:kind_slug>/<int:pk>/delete/", views.provider_delete, name="delete"),
    ],
    "service_providers",
)
