from django.urls import path

from apps.files import views

# Team pages, under /a/<team_slug>/files/.
urlpatterns = (
    [
        path("<int:pk>/", views.file_download, name="download"),
    ],
    "files",
)
