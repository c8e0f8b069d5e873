"""`/api/experiments/` and `/api/sessions/`: the team's chatbots and their conversations (listed, read,
and started with earlier messages)."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView, ListCreateAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from apps.api.authentication import api_caller
from apps.api.chatbot_access import _uuid, chatbot_for, start_api_session
from apps.api.resource_serializers import (
    MESSAGE_TYPES,
    ExperimentSerializer,
    ExperimentSessionCreateSerializer,
    ExperimentSessionSerializer,
    ExperimentSessionWithMessagesSerializer,
)
from apps.chat.models import ChatMessage
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.sessions import add_messages
from apps.utils.storable import check_json


class CountedCursorPagination(CursorPagination):
    """Cursor pages, with the total count on the first page (as the v1 API has it)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"

    def decode_cursor(self, request):
        """DRF's decoding, with the position checked too: a cursor is opaque to clients, so one that
        was not ours (a position that is not a time) is bad input, not a database error."""
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None and parse_datetime(cursor.position) is None:
                raise ValueError(cursor.position)
        except (NotFound, ValueError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        self.count = None if request.query_params.get(self.cursor_query_param) else queryset.count()
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.count is not None:
            response.data["count"] = self.count
        return response

    def get_paginated_response_schema(self, schema):
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["properties"]["count"] = {
            "type": "integer",
            "description": "Total number of items matching the query. Only present on the first page "
            "(requests without a cursor).",
            "example": 123,
        }
        return response_schema


def team_chatbots(request):
    versions = Prefetch("versions", queryset=Experiment.objects.filter(is_archived=False))
    return Experiment.objects.filter(
        team=api_caller(request).team, working_version__isnull=True, is_archived=False
    ).prefetch_related(versions)


@extend_schema(tags=["Experiments"], summary="List chatbots")
class ExperimentList(ListAPIView):
    serializer_class = ExperimentSerializer
    pagination_class = CountedCursorPagination

    def get_queryset(self):
        return team_chatbots(self.request)


@extend_schema(tags=["Experiments"], summary="Retrieve a chatbot")
class ExperimentDetail(RetrieveAPIView):
    serializer_class = ExperimentSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return team_chatbots(self.request)

    def get_object(self):
        self.kwargs["id"] = _uuid(self.kwargs["id"])
        return super().get_object()


def team_sessions(request):
    return ExperimentSession.objects.filter(team=api_caller(request).team).select_related(
        "team", "experiment", "participant", "chat"
    )


SESSION_FILTERS = [
    OpenApiParameter("experiment", str, description="Chatbot ID to filter sessions by"),
    OpenApiParameter("tags", str, description="Session tags (comma separated): sessions with any of them"),
    OpenApiParameter(
        "versions", str, description="Chatbot version numbers (comma separated): sessions answered by any of them"
    ),
]


class SessionList(ListCreateAPIView):
    serializer_class = ExperimentSessionSerializer
    pagination_class = CountedCursorPagination
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at"]
    ordering = "-created_at"

    @extend_schema(tags=["Experiment Sessions"], summary="List chatbot sessions", parameters=SESSION_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        sessions = team_sessions(self.request)
        params = self.request.query_params
        if experiment := params.get("experiment"):
            sessions = sessions.filter(experiment__public_id=_uuid(experiment))
        if tags := _comma_separated(params.get("tags")):
            check_json(tags, "tags")
            sessions = sessions.filter(tags__has_any_keys=tags)  # jsonb ?|: any element of the list
        if versions := _comma_separated(params.get("versions")):
            if not all(re.fullmatch(r"[0-9]{1,9}", version) for version in versions):
                raise ValidationError({"versions": ["Version numbers are whole numbers, comma separated"]})
            answered = ChatMessage.objects.filter(
                chat_id=OuterRef("chat_id"), metadata__version__in=[int(version) for version in versions]
            )
            sessions = sessions.filter(Exists(answered))
        return sessions

    @extend_schema(
        tags=["Experiment Sessions"],
        summary="Create a chatbot session",
        request=ExperimentSessionCreateSerializer,
        responses={201: ExperimentSessionSerializer},
    )
    def post(self, request, *args, **kwargs):
        """A session for a participant on the API platform, optionally with earlier messages and a
        state; continue it with the API channel (`session`)."""
        serializer = ExperimentSessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        experiment = chatbot_for(api_caller(request).team, str(data["experiment"]))
        with transaction.atomic():
            session = start_api_session(
                request, experiment, identifier=data.get("participant", "").strip() or None, state=data.get("state")
            )
            turns = [(MESSAGE_TYPES[turn["role"]], turn["content"]) for turn in data.get("messages", [])]
            add_messages(session=session, messages=turns)
        body = ExperimentSessionSerializer(team_sessions(request).get(pk=session.pk), context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


def _comma_separated(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@extend_schema(tags=["Experiment Sessions"], summary="Retrieve a session with its messages")
class SessionDetail(RetrieveAPIView):
    serializer_class = ExperimentSessionWithMessagesSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return team_sessions(self.request)

    def get_object(self):
        self.kwargs["id"] = _uuid(self.kwargs["id"])
        return super().get_object()
