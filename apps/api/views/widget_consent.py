"""`POST /api/chat/<session_id>/consent/`: the participant accepts the chatbot's consent form, which
the start response carried (`consent`); until then the session takes no messages or files, as the
public link shows the form before the chat (ADR 0010)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.api.resource_serializers import STATUS_NAMES
from apps.api.schema_types import WIDGET_ERRORS, ConsentResponseSerializer
from apps.api.views.widget_api import WidgetView, _session
from apps.experiments.sessions import give_consent


class ConsentSerializer(serializers.Serializer):
    consent = serializers.BooleanField(help_text="true: the participant accepts the consent form shown to them")

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("The chat starts only once the participant accepts: send true")
        return value


class ChatConsent(WidgetView):
    @extend_schema(
        tags=["Chat"],
        summary="Accept the chatbot's consent form",
        request=ConsentSerializer,
        responses={200: ConsentResponseSerializer, **WIDGET_ERRORS},
    )
    def post(self, request, session_id):
        session = _session(request, session_id)
        ConsentSerializer(data=request.data).is_valid(raise_exception=True)
        session = give_consent(session=session)
        return Response({"session_status": STATUS_NAMES.get(session.status, "unknown")})
