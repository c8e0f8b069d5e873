"""`/api/participants`: list the team's participants with their data per chatbot (GET), and create or
update a participant and their data (POST)."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.authentication import api_caller
from apps.api.participant_serializers import ParticipantDataUpdateRequestSerializer, ParticipantDetailSerializer
from apps.api.views.resources_api import CountedCursorPagination
from apps.experiments.models import Experiment
from apps.participants import actions, selectors
from apps.utils.storable import StorableJSONParser, check_text

DESCRIPTION = "GET: list participants for the team. POST: update/create participant data."


class Participants(GenericAPIView):
    serializer_class = ParticipantDetailSerializer
    pagination_class = CountedCursorPagination
    parser_classes = [StorableJSONParser]

    @extend_schema(
        operation_id="list_participants",
        tags=["Participants"],
        summary="List Participants",
        description=DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "chatbot",
                OpenApiTypes.UUID,
                description="Filter by chatbot public id; returns participants that have data for the chatbot.",
            ),
            OpenApiParameter("identifier", str, description="Filter by participant identifier"),
            OpenApiParameter("platform", str, description="Filter by platform (e.g. api, telegram, whatsapp)"),
        ],
        responses={200: ParticipantDetailSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        participants = selectors.participants_with_data(
            api_caller(request).team,
            # Query parameters are text, filtered on in the database: NUL is refused here.
            identifier=check_text(params.get("identifier", ""), "identifier"),
            platform=check_text(params.get("platform", ""), "platform"),
            chatbot=_chatbot_filter(params.get("chatbot")),
        )
        page = self.paginate_queryset(participants)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="update_participant_data",
        tags=["Participants"],
        summary="Update Participant Data",
        description=f"{DESCRIPTION} The participant (platform, identifier) is created when new and renamed when "
        "`name` is given; for each chatbot in `data`, their data is replaced by the given object. "
        "`schedules` are accepted and ignored.",
        request=ParticipantDataUpdateRequestSerializer,
        responses={200: ParticipantDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ParticipantDataUpdateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        team = api_caller(request).team
        chatbots = _team_chatbots(team, [entry["experiment"] for entry in body["data"]])
        participant = actions.update_participant(
            team=team,
            platform=body["platform"],
            identifier=body["identifier"],
            name=body.get("name", ""),
            chatbot_data=[(chatbots[entry["experiment"]], entry.get("data")) for entry in body["data"]],
        )
        participant = selectors.participants_with_data(team).get(pk=participant.pk)
        return Response(self.get_serializer(participant).data)


def _chatbot_filter(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError({"chatbot": ["Must be a valid UUID."]}) from None


def _team_chatbots(team, public_ids: list[uuid.UUID]) -> dict[uuid.UUID, Experiment]:
    """The team's chatbots by public id; 404 naming those that are unknown (or another team's)."""
    chatbots = {
        chatbot.public_id: chatbot
        for chatbot in Experiment.objects.filter(
            team=team, public_id__in=public_ids, working_version__isnull=True, is_archived=False
        )
    }
    missing = [str(public_id) for public_id in dict.fromkeys(public_ids) if public_id not in chatbots]
    if missing:
        raise NotFound({"errors": [{"message": f"Experiment {public_id} not found"} for public_id in missing]})
    return chatbots


class ParticipantsAlias(Participants):
    """`/api/participants/`, with the trailing slash: Open Chat Studio answers there too and clients
    use it. Left out of the schema, which names the path once, as the reference API does."""

    schema = None
