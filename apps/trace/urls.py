from django.urls import path

from apps.trace import views

urlpatterns = (
    [
        path("", views.trace_list, name="list"),
        path("<int:pk>/", views.trace_detail, name="detail"),
    ],
    "trace",
)
