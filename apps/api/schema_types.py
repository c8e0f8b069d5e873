"""The shapes of the widget and OpenAI-compatible answers, for the OpenAPI schema only: the views
build these bodies themselves (named as in Open Chat Studio's schema where it has them)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from apps.api.resource_serializers import STATUS_NAMES, ExperimentSerializer, WidgetMessageSerializer

SESSION_STATUSES = sorted(set(STATUS_NAMES.values()) | {"unknown"})


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ChatAccessDeniedSerializer(serializers.Serializer):
    error = serializers.CharField()
    code = serializers.CharField(help_text="chat_access_denied, session_token_expired or consent_required")


class WidgetParticipantSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    remote_id = serializers.CharField(help_text="The proven remote id, else empty")


class WidgetConsentSerializer(serializers.Serializer):
    text = serializers.CharField()
    confirmation_text = serializers.CharField()
    url = serializers.CharField(help_text="POST here to accept")


class ChatStartSessionResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    session_token = serializers.CharField(
        allow_null=True,
        help_text="Present when the session is token-protected: send it as `X-Session-Token` on every later request",
    )
    chatbot = ExperimentSerializer()
    participant = WidgetParticipantSerializer()
    consent = WidgetConsentSerializer(allow_null=True, help_text="The consent form to accept before chatting, if any")


class ChatSendMessageResponseSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="Poll /api/chat/<session_id>/<task_id>/poll/ for the reply")
    status = serializers.ChoiceField(choices=["processing", "error"])
    error = serializers.CharField(required=False)


class ChatTaskPollSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["processing", "complete"])
    message = WidgetMessageSerializer(required=False, help_text="The reply, once complete")


class ChatTaskPollErrorSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    error = serializers.CharField()


class ChatPollResponseSerializer(serializers.Serializer):
    messages = WidgetMessageSerializer(many=True)
    has_more = serializers.BooleanField(help_text="More messages follow: poll again with `since` the last one's time")
    session_status = serializers.ChoiceField(choices=SESSION_STATUSES)


class ConsentResponseSerializer(serializers.Serializer):
    session_status = serializers.ChoiceField(choices=SESSION_STATUSES)


POLL_PARAMETERS = [
    OpenApiParameter(
        "since", OpenApiTypes.DATETIME, description="Only messages created after this time (ISO 8601)", required=False
    ),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description="At most this many messages (default 50, at most 200)", required=False
    ),
]

# What every widget request may meet besides its success answer.
WIDGET_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: the fields at fault, each with its messages"),
    403: OpenApiResponse(
        ChatAccessDeniedSerializer,
        description="No access: an embed key, origin or session token is missing or wrong, or consent is pending",
    ),
    404: OpenApiResponse(DetailErrorSerializer, description="Unknown chatbot or session"),
    429: OpenApiResponse(DetailErrorSerializer, description="Too many requests; retry after `Retry-After` seconds"),
}


class ChatCompletionMessageSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["assistant"])
    content = serializers.CharField()


class ChatCompletionChoiceSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    message = ChatCompletionMessageSerializer()
    finish_reason = serializers.CharField()


class ChatCompletionUsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


@extend_schema_serializer(component_name="CreateChatCompletionResponse")
class ChatCompletionResponseSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The session's id: GET /api/sessions/<id>/ reads the conversation")
    object = serializers.ChoiceField(choices=["chat.completion"])
    created = serializers.IntegerField(help_text="Unix time")
    model = serializers.CharField()
    choices = ChatCompletionChoiceSerializer(many=True)
    usage = ChatCompletionUsageSerializer()
