"""Open Chat Studio's v1 participant shapes: `ParticipantDetail` (with `data` per chatbot) and the
`ParticipantDataUpdateRequest` that creates or updates a participant and their data."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.api.serializers import JsonObjectField
from apps.participants.models import ParticipantData

PLATFORMS = [
    ("telegram", "Telegram"),
    ("web", "Web"),
    ("whatsapp", "WhatsApp"),
    ("facebook", "Facebook"),
    ("sureadhere", "SureAdhere"),
    ("api", "API"),
    ("slack", "Slack"),
    ("commcare_connect", "CommCare Connect"),
    ("evaluations", "Evaluations"),
    ("embedded_widget", "Chat Widget & API"),
    ("email", "Email"),
]


@extend_schema_serializer(component_name="ParticipantDataEntry")
class ParticipantDataEntrySerializer(serializers.Serializer):
    chatbot = serializers.CharField(source="experiment.name", read_only=True)
    chatbot_id = serializers.UUIDField(source="experiment.public_id", read_only=True)
    data = serializers.JSONField()  # type: ignore[assignment]  # the API's field name
    connect_channel_id = serializers.SerializerMethodField(
        help_text="CommCare Connect channel ID. Only set for the CommCare Connect channel."
    )

    def get_connect_channel_id(self, row: ParticipantData) -> str | None:
        return None  # no CommCare Connect channel here


@extend_schema_serializer(component_name="ParticipantDetail")
class ParticipantDetailSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    identifier = serializers.CharField(max_length=320)
    name = serializers.CharField(max_length=320)
    platform = serializers.CharField(max_length=32)
    remote_id = serializers.SerializerMethodField()
    data = ParticipantDataEntrySerializer(source="chatbot_data", many=True, read_only=True)  # type: ignore[assignment]

    def get_remote_id(self, participant) -> str:
        return ""  # participants have no separate remote id here


@extend_schema_serializer(component_name="ParticipantSchedule")
class ParticipantScheduleSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=32, label="Schedule ID")
    name = serializers.CharField(required=False, label="Schedule Name")
    prompt = serializers.CharField(required=False, label="Prompt to send to bot")
    date = serializers.DateTimeField(required=False, label="Schedule Date")
    delete = serializers.BooleanField(required=False, default=False, label="Delete Schedule")


@extend_schema_serializer(component_name="ParticipantExperimentData")
class ParticipantExperimentDataSerializer(serializers.Serializer):
    experiment = serializers.UUIDField(label="Experiment ID", help_text="The chatbot's id")
    data = JsonObjectField(  # type: ignore[assignment]  # the API's field name
        required=False, label="Participant Data", help_text="Replaces their data"
    )
    schedules = ParticipantScheduleSerializer(
        many=True, required=False, help_text="Accepted for compatibility and ignored: no scheduled messages yet"
    )


@extend_schema_serializer(component_name="ParticipantDataUpdateRequest")
class ParticipantDataUpdateRequestSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=320, label="Participant Identifier")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, label="Participant Name")
    platform = serializers.ChoiceField(choices=PLATFORMS, default="api", label="Participant Platform")
    data = ParticipantExperimentDataSerializer(many=True)  # type: ignore[assignment]  # the API's field name
