from django.urls import path

from apps.experiments.views import chat_views, chatbot_views, public_views, version_views
from apps.experiments.views.resource_views import consent_forms, source_material

# Team pages, under /a/<team_slug>/chatbots/.
urlpatterns = (
    [
        path("", chatbot_views.chatbot_list, name="list"),
        path("new/", chatbot_views.chatbot_new, name="new"),
        path("new/pipeline/", chatbot_views.chatbot_new_from_pipeline, name="new_from_pipeline"),
        path("new/models/", chatbot_views.model_options, name="model_options"),
        path("consent-forms/", consent_forms.list, name="consent_forms"),
        path("consent-forms/new/", consent_forms.new, name="consent_form_new"),
        path("consent-forms/<int:pk>/", consent_forms.edit, name="consent_form_edit"),
        path("consent-forms/<int:pk>/archive/", consent_forms.archive, name="consent_form_archive"),
        path("source-material/", source_material.list, name="source_materials"),
        path("source-material/new/", source_material.new, name="source_material_new"),
        path("source-material/<int:pk>/", source_material.edit, name="source_material_edit"),
        path("source-material/<int:pk>/archive/", source_material.archive, name="source_material_archive"),
        path("<int:pk>/", chatbot_views.chatbot_detail, name="detail"),
        path("<int:pk>/sessions/<uuid:session_id>/", chatbot_views.session_transcript, name="transcript"),
        path(
            "<int:pk>/sessions/<uuid:session_id>/download/",
            chatbot_views.session_transcript_download,
            name="transcript_download",
        ),
        path("<int:pk>/settings/", chatbot_views.chatbot_settings, name="settings"),
        path("<int:pk>/share/", chatbot_views.chatbot_share, name="share"),
        path("<int:pk>/archive/", chatbot_views.chatbot_archive, name="archive"),
        path("<int:pk>/versions/", version_views.version_list, name="versions"),
        path("<int:pk>/versions/new/", version_views.version_create, name="version_create"),
        path("<int:pk>/versions/<int:number>/publish/", version_views.version_publish, name="version_publish"),
        path("<int:pk>/versions/<int:number>/revert/", version_views.version_revert, name="version_revert"),
        path("<int:pk>/chat/", chat_views.chat_start, name="chat_start"),
        path("<int:pk>/chat/<uuid:session_id>/", chat_views.chat_page, name="chat"),
        path("<int:pk>/chat/<uuid:session_id>/stream/", chat_views.chat_stream, name="chat_stream"),
        path("<int:pk>/chat/<uuid:session_id>/upload/", chat_views.chat_upload, name="chat_upload"),
    ],
    "chatbots",
)

# The public link, under /c/ (no account, no team in the URL).
public_urlpatterns = (
    [
        path("<uuid:public_id>/", public_views.public_chat, name="chat"),
        path("<uuid:public_id>/start/", public_views.public_start, name="start"),
        path("<uuid:public_id>/<uuid:session_id>/stream/", public_views.public_chat_stream, name="stream"),
        path("<uuid:public_id>/<uuid:session_id>/upload/", public_views.public_chat_upload, name="upload"),
    ],
    "public_chat",
)
