"""The API channel: `POST /channels/api/<chatbot_id>/incoming_message` with {message, session?}."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.api.chatbot_access import (
    bot_error,
    chatbot_for,
    chatbot_version,
    check_message_size,
    session_for,
    start_api_session,
)
from apps.api.serializers import ApiMessageSerializer, ApiResponseMessageSerializer
from apps.api.throttles import ApiKeyRateThrottle, SessionRateThrottle
from apps.conversations.bot import BotError, respond


class IncomingApiMessage(APIView):
    throttle_classes = [ApiKeyRateThrottle, SessionRateThrottle]

    @extend_schema(
        summary="New API message",
        tags=["Channels"],
        request=ApiMessageSerializer,
        responses={
            200: ApiResponseMessageSerializer,
            409: OpenApiResponse(description="The session has ended, or its previous message is still being answered"),
            502: OpenApiResponse(description="The chatbot could not answer (the reason is in `detail`)"),
        },
    )
    def post(self, request: Request, experiment_id: str, version: int | None = None) -> Response:
        serializer = ApiMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_message_size(data["message"])
        team = api_caller(request).team
        experiment = chatbot_for(team, experiment_id)
        served = chatbot_version(experiment, version) if version is not None else None
        if data.get("session"):
            session = session_for(team, data["session"], experiment)
        else:
            session = start_api_session(request, experiment)
        try:
            reply = respond(session, data["message"], message_id=data.get("message_id"), version=served)
        except BotError as error:
            raise bot_error(error) from error
        return Response({"response": reply.reply.content, "attachments": [], "session": str(session.public_id)})
