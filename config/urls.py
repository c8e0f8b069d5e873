from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.api.urls import api_key_urlpatterns, api_urlpatterns, channel_urlpatterns, chat_urlpatterns
from apps.channels.urls import urlpatterns as channel_ui_urlpatterns
from apps.experiments.urls import public_urlpatterns as public_chat_urlpatterns
from apps.experiments.urls import urlpatterns as chatbot_urlpatterns
from apps.files.urls import urlpatterns as file_urlpatterns
from apps.participants.urls import urlpatterns as participant_urlpatterns
from apps.pipelines.urls import urlpatterns as pipeline_urlpatterns
from apps.service_providers.urls import urlpatterns as service_provider_urlpatterns
from apps.teams.urls import account_urlpatterns, team_urlpatterns
from apps.trace.urls import urlpatterns as trace_urlpatterns

# Everything a team owns lives under /a/<team_slug>/; the guard tests walk every pattern with a
# `team_slug` and fail for one that lets in an anonymous user or a member of another team.
team_urls = [
    path("team/", include(team_urlpatterns)),
    path("team/api-keys/", include(api_key_urlpatterns)),
    path("providers/", include(service_provider_urlpatterns)),
    path("pipelines/", include(pipeline_urlpatterns)),
    path("traces/", include(trace_urlpatterns)),
    path("chatbots/", include(chatbot_urlpatterns)),
    path("chatbots/<int:pk>/channels/", include(channel_ui_urlpatterns)),
    path("participants/", include(participant_urlpatterns)),
    path("files/", include(file_urlpatterns)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/chat/", include(chat_urlpatterns)),
    path("api/", include(api_urlpatterns)),
    path("channels/", include(channel_urlpatterns)),
    # A chatbot's public link: no account, not under a team (the chatbot's public id is the key).
    path("c/", include(public_chat_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.web.urls")),
    path("", include(account_urlpatterns)),
    path("a/<slug:team_slug>/", include(team_urls)),
]

if settings.FAKE_LLM or settings.BENCH_BASELINE_MODEL_URL:  # benchmarks only (bench/message_path.py)
    from apps.web.bench_views import baseline_message

    urlpatterns += [path("bench/baseline/<int:chat_id>/", baseline_message)]  # type: ignore[list-item]

handler404 = "apps.api.views.not_found.not_found"
