from django.urls import path

from apps.pipelines import builder_views, views

urlpatterns = (
    [
        path("", views.pipeline_list, name="list"),
        path("import/", views.pipeline_import, name="import"),
        path("<int:pk>/", views.pipeline_detail, name="detail"),
        path("<int:pk>/run/", views.pipeline_test_run, name="test_run"),
        path("<int:pk>/versions/", views.pipeline_create_version, name="create_version"),
        path("<int:pk>/export/", views.pipeline_export, name="export"),
        path("<int:pk>/archive/", views.pipeline_archive, name="archive"),
        # The visual builder and its JSON API (docs/builder-api.md).
        path("<int:pk>/builder/", builder_views.builder_page, name="builder"),
        path("<int:pk>/builder/state/", builder_views.builder_state, name="builder_state"),
        path("<int:pk>/builder/save/", builder_views.builder_save, name="builder_save"),
        path("<int:pk>/builder/test/", builder_views.builder_test, name="builder_test"),
        path("<int:pk>/builder/versions/", builder_views.builder_versions, name="builder_versions"),
        path("<int:pk>/builder/versions/<int:number>/", builder_views.builder_version, name="builder_version"),
    ],
    "pipelines",
)
