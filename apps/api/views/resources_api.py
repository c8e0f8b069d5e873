"""`/api/experiments/` and `/api/sessions/`: the team's chatbots and their conversations."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination

from apps.api.authentication import api_caller
from apps.api.chatbot_access import _uuid
from apps.api.resource_serializers import (
    ExperimentSerializer,
    ExperimentSessionSerializer,
    ExperimentSessionWithMessagesSerializer,
)
from apps.experiments.models import Experiment, ExperimentSession


class CountedCursorPagination(CursorPagination):
    """Cursor pages, with the total count on the first page (as the v1 API has it)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"

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


@extend_schema(
    tags=["Experiment Sessions"],
    summary="List chatbot sessions",
    parameters=[OpenApiParameter("experiment", str, description="Chatbot ID to filter sessions by")],
)
class SessionList(ListAPIView):
    serializer_class = ExperimentSessionSerializer
    pagination_class = CountedCursorPagination

    def get_queryset(self):
        sessions = team_sessions(self.request)
        if experiment := self.request.query_params.get("experiment"):
            sessions = sessions.filter(experiment__public_id=_uuid(experiment))
        return sessions


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
