from django.urls import path

from apps.pipelines import views

urlpatterns = (
    [
        path("", views.pipeline_list, name="list"),
        path("import/", views.pipeline_import, name="import"),
        path("<int:pk>/", views.pipeline_detail, name="detail"),
        path("<int:pk>/run/", views.pipeline_test_run, name="test_run"),
        path("<int:pk>/versions/", views.pipeline_create_version, name="create_version"),
        path("<int:pk>/export/", views.pipeline_export, name="export"),
        path("<int:pk>/archive/", views.pipeline_archive, name="archive"),
    ],
    "pipelines",
)
