"""Changes to a session through the API: end it, add or remove tags, merge keys into its state.
All of them address the session by its id (`/api/sessions/<id>/…`), within the key's team."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.api.chatbot_access import session_for
from apps.api.serializers import JsonObjectField
from apps.experiments import sessions
from apps.utils.storable import StorableJSONParser

SESSION_ID = OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description="ID of the session")
MAX_TAGS = 100
MAX_TAG_LENGTH = 100


@extend_schema_serializer(component_name="tags_request_serializer")
class TagsRequestSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH), allow_empty=False, max_length=MAX_TAGS
    )


@extend_schema_serializer(component_name="tags_response_serializer")
class TagsResponseSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="update_state_serializer")
class UpdateStateSerializer(serializers.Serializer):
    state = JsonObjectField(help_text="Keys to set in the session state (merged into it)")


@extend_schema_serializer(component_name="update_state_response")
class UpdateStateResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    state = serializers.JSONField()


def _team_session(request: Request, id: str):
    return session_for(api_caller(request).team, id)


class EndSession(APIView):
    @extend_schema(
        operation_id="session_end",
        tags=["Experiment Sessions"],
        summary="End Chatbot Session",
        description="Mark the session complete (ending an ended session changes nothing).",
        parameters=[SESSION_ID],
        request=None,
        responses={200: None},
    )
    def post(self, request: Request, id: str) -> Response:
        sessions.end_session(session=_team_session(request, id))
        return Response()


class SessionTags(APIView):
    parser_classes = [StorableJSONParser]

    @extend_schema(
        operation_id="session_add_tags",
        tags=["Experiment Sessions"],
        summary="Add Tags to Session",
        description="Add tags to a session; tags it already has are kept once. Answers with all its tags.",
        parameters=[SESSION_ID],
        request=TagsRequestSerializer,
        responses={200: TagsResponseSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        session = _team_session(request, id)
        tags = self._tags(request)
        return Response({"tags": sessions.add_session_tags(session=session, tags=tags)})

    @extend_schema(
        operation_id="session_remove_tags",
        tags=["Experiment Sessions"],
        summary="Remove Tags from Session",
        description='Remove tags from a session: a JSON body `{"tags": [...]}` as for adding them (tags the '
        "session does not have are ignored). Answers with the tags left.",
        parameters=[SESSION_ID],
        responses={200: TagsResponseSerializer},
    )
    def delete(self, request: Request, id: str) -> Response:
        session = _team_session(request, id)
        tags = self._tags(request)
        return Response({"tags": sessions.remove_session_tags(session=session, tags=tags)})

    @staticmethod
    def _tags(request: Request) -> list[str]:
        serializer = TagsRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["tags"]


class UpdateSessionState(APIView):
    parser_classes = [StorableJSONParser]

    @extend_schema(
        operation_id="session_update_state",
        tags=["Experiment Sessions"],
        summary="Update Chatbot Session State",
        description="Merge the given keys into the session state (other keys are kept). Answers with the new state.",
        parameters=[SESSION_ID],
        request=UpdateStateSerializer,
        responses={200: UpdateStateResponseSerializer},
    )
    def patch(self, request: Request, id: str) -> Response:
        session = _team_session(request, id)
        serializer = UpdateStateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = sessions.update_session_state(session=session, state=serializer.validated_data["state"])
        return Response({"success": True, "state": state})
