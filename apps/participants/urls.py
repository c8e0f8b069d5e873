from django.urls import path

from apps.participants import views

# Team pages, under /a/<team_slug>/participants/.
urlpatterns = (
    [
        path("", views.participant_list, name="list"),
        path("<int:pk>/", views.participant_detail, name="detail"),
        path("<int:pk>/data/<int:chatbot_pk>/", views.participant_data_edit, name="data_edit"),
    ],
    "participants",
)
