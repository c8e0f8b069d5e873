"""Read models of Open Chat Studio's v1 API for chatbots and sessions (same field names), and the request
that creates a session."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.api.chatbot_access import MAX_MESSAGE_CHARS
from apps.api.serializers import JsonObjectField
from apps.chat.models import ChatMessage
from apps.experiments.models import Experiment, ExperimentSession
from apps.service_providers.llm import roles
from apps.service_providers.models import LlmUsage

STATUS_NAMES: dict[str, str] = {
    ExperimentSession.Status.SETUP: "setup",
    ExperimentSession.Status.PENDING_CONSENT: "pending",
    ExperimentSession.Status.ACTIVE: "active",
    ExperimentSession.Status.PENDING_REVIEW: "pending-review",
    ExperimentSession.Status.COMPLETE: "complete",
}
MAX_SEED_MESSAGES = 1000


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


class ExperimentVersionSerializer(serializers.Serializer):
    name = serializers.CharField()
    version_number = serializers.IntegerField()
    is_default_version = serializers.BooleanField(source="is_published")
    version_description = serializers.CharField()


class ExperimentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    version_number = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    def get_url(self, experiment: Experiment) -> str:
        return _absolute(self.context["request"], "api:experiment-detail", id=experiment.public_id)

    def get_version_number(self, experiment: Experiment) -> int:
        # Open Chat Studio's: the working copy's number, the one its next version will take; `/v<n>/`
        # with it reaches the working copy (apps.api.chatbot_access.chatbot_version).
        return max((version.version_number for version in experiment.versions.all()), default=0) + 1

    def get_versions(self, experiment: Experiment) -> list[dict]:
        versions = sorted(experiment.versions.all(), key=lambda version: version.version_number)
        return list(ExperimentVersionSerializer(versions, many=True).data)


class ExperimentStubSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    description = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, experiment: Experiment) -> str:
        return _absolute(self.context["request"], "api:experiment-detail", id=experiment.public_id)


@extend_schema_serializer(component_name="File")
class AttachmentSerializer(serializers.Serializer):
    # A message's attachment (stored on the message as {file_id, name, content_type, size}), with the
    # API URL of its bytes (`GET /api/files/<id>/content`, with the team's API key).

    name = serializers.CharField(max_length=255)
    content_type = serializers.CharField(required=False)
    size = serializers.IntegerField()
    content_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_content_url(self, attachment: dict) -> str:
        return _absolute(self.context["request"], "api:file-content", id=attachment["file_id"])


@extend_schema_serializer(component_name="WidgetFile")
class WidgetAttachmentSerializer(AttachmentSerializer):
    # In the chat widget API, also `download_url`: the same bytes for the session's own participant
    # (`GET /api/chat/<session>/files/<id>/content/`, with the widget's embed key and session token),
    # which is what the open-chat-studio-widget downloads attachments from.

    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: dict) -> str:
        session = self.context["session"]
        return _absolute(
            self.context["request"],
            "chat_api:file-content",
            session_id=session.public_id,
            file_id=attachment["file_id"],
        )


class MessageSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    role = serializers.SerializerMethodField()
    content = serializers.CharField()
    metadata = serializers.JSONField()
    tags = serializers.ListField(child=serializers.CharField())
    attachments = AttachmentSerializer(many=True)

    def get_role(self, message: ChatMessage) -> str:
        return roles.openai_role(message.message_type)


class WidgetMessageSerializer(MessageSerializer):
    # A message as the chat widget API returns it (context: request and session).

    attachments = WidgetAttachmentSerializer(many=True)


class ExperimentSessionSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    id = serializers.UUIDField(source="public_id")
    team = serializers.SerializerMethodField()
    experiment = ExperimentStubSerializer()
    participant = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    platform = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    state = serializers.JSONField()

    def get_url(self, session: ExperimentSession) -> str:
        return _absolute(self.context["request"], "api:session-detail", id=session.public_id)

    def get_team(self, session: ExperimentSession) -> dict:
        return {"name": session.team.name, "slug": session.team.slug}

    def get_participant(self, session: ExperimentSession) -> dict:
        return {"identifier": session.participant.identifier, "remote_id": ""}

    def get_status(self, session: ExperimentSession) -> str:
        return STATUS_NAMES.get(session.status, "unknown")


class ExperimentSessionWithMessagesSerializer(ExperimentSessionSerializer):
    messages = serializers.SerializerMethodField()
    usage = serializers.SerializerMethodField()

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, session: ExperimentSession) -> list[dict]:
        messages = session.chat.messages.exclude(metadata__contains={"hidden": True})
        return list(MessageSerializer(messages, many=True, context=self.context).data)

    def get_usage(self, session: ExperimentSession) -> dict:
        rows = (
            LlmUsage.objects.filter(team=session.team, session_id=session.pk)
            .values("model_name")
            .annotate(input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"), cost=Sum("cost"))
            .order_by("model_name")
        )
        total = sum((row["cost"] or Decimal(0) for row in rows), Decimal(0))
        by_model = [
            {
                "model_name": row["model_name"],
                "tokens": (row["input_tokens"] or 0) + (row["output_tokens"] or 0),
                "cost": f"{row['cost'] or Decimal(0):.8f}",
            }
            for row in rows
        ]
        return {"total_cost": f"{total:.8f}", "by_model": by_model}


MESSAGE_TYPES = roles.STORED_TYPES  # OpenAI role -> stored type


class SeedMessageSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=sorted(MESSAGE_TYPES))
    content = serializers.CharField(max_length=MAX_MESSAGE_CHARS)


@extend_schema_serializer(component_name="ExperimentSessionCreate")
class ExperimentSessionCreateSerializer(serializers.Serializer):
    experiment = serializers.UUIDField(help_text="The chatbot's ID")
    participant = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="Channel specific participant identifier; by default the API key's own participant",
    )
    messages = SeedMessageSerializer(  # type: ignore[call-arg]  # many=True passes max_length to the list; stubs lack it
        many=True, required=False, max_length=MAX_SEED_MESSAGES, help_text="Earlier turns of the conversation"
    )
    state = JsonObjectField(required=False, help_text="The session's initial state (a JSON object)")
