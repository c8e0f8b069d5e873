from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.api.views import key_views, widget_api, widget_consent, widget_stream, widget_upload
from apps.api.views.channel_api import IncomingApiMessage
from apps.api.views.file_api import FileContent
from apps.api.views.openai_api import ChatCompletions
from apps.api.views.participants_api import Participants, ParticipantsAlias
from apps.api.views.resources_api import ExperimentDetail, ExperimentList, SessionDetail, SessionList
from apps.api.views.session_actions import EndSession, SessionTags, UpdateSessionState

api_urlpatterns = (
    [
        # The OpenAPI schema and a page to read and try it, both public like Open Chat Studio's.
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
        path("experiments/", ExperimentList.as_view(), name="experiment-list"),
        path("experiments/<str:id>/", ExperimentDetail.as_view(), name="experiment-detail"),
        path("sessions/", SessionList.as_view(), name="session-list"),
        path("sessions/<str:id>/", SessionDetail.as_view(), name="session-detail"),
        path("sessions/<str:id>/end_experiment_session/", EndSession.as_view(), name="session-end"),
        path("sessions/<str:id>/tags/", SessionTags.as_view(), name="session-tags"),
        path("sessions/<str:id>/update_state/", UpdateSessionState.as_view(), name="session-update-state"),
        # As in the reference API, these two have no trailing slash.
        path("participants", Participants.as_view(), name="participants"),
        path("participants/", ParticipantsAlias.as_view(), name="participants-alias"),
        path("files/<str:id>/content", FileContent.as_view(), name="file-content"),
        path("openai/<str:experiment_id>/chat/completions", ChatCompletions.as_view(), name="openai-chat"),
        path(
            "openai/<str:experiment_id>/v<int:version>/chat/completions",
            ChatCompletions.as_view(),
            name="openai-chat-versioned",
        ),
    ],
    "api",
)

channel_urlpatterns = (
    [
        path("api/<str:experiment_id>/incoming_message", IncomingApiMessage.as_view(), name="api-incoming"),
        path(
            "api/<str:experiment_id>/v<int:version>/incoming_message",
            IncomingApiMessage.as_view(),
            name="api-incoming-versioned",
        ),
    ],
    "channels",
)

# Under /a/<team_slug>/team/api-keys/.
api_key_urlpatterns = (
    [
        path("", key_views.api_keys, name="list"),
        path("<int:pk>/revoke/", key_views.revoke_key, name="revoke"),
    ],
    "api_keys",
)

# The chat widget API, under /api/chat/.
chat_urlpatterns = (
    [
        path("start/", widget_api.ChatStart.as_view(), name="start"),
        path("<str:session_id>/consent/", widget_consent.ChatConsent.as_view(), name="consent"),
        path("<str:session_id>/message/", widget_api.ChatSendMessage.as_view(), name="message"),
        path("<str:session_id>/message/stream/", widget_stream.chat_message_stream, name="message-stream"),
        path("<str:session_id>/upload/", widget_upload.ChatUploadFile.as_view(), name="upload"),
        path(
            "<str:session_id>/files/<str:file_id>/content/",
            widget_upload.ChatFileContent.as_view(),
            name="file-content",
        ),
        path("<str:session_id>/poll/", widget_api.ChatPoll.as_view(), name="poll"),
        path("<str:session_id>/<str:task_id>/poll/", widget_api.ChatTaskPoll.as_view(), name="task-poll"),
    ],
    "chat_api",
)
