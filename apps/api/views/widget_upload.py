"""`POST /api/chat/<session_id>/upload/`: the widget uploads files before sending the message that
refers to them by id (`attachment_ids`); `GET /api/chat/<session_id>/files/<file_id>/content/`: the
bytes of a file of that session (each widget message's attachment `download_url`). Same access rules
as the rest of the widget API (embed key and allowed Origin, and the session token)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.api.throttles import SessionRateThrottle
from apps.api.views.file_api import AnyAcceptNegotiation
from apps.api.views.widget_api import WidgetView, _session
from apps.api.widget_access import check_consent
from apps.files import actions
from apps.files.exceptions import FileUploadError
from apps.files.selectors import file_of_session
from apps.files.serializers import UploadedFileSerializer, uploaded_files_body
from apps.files.views import download_response
from apps.files.web import error_body, too_large_for_limits


class ChatUploadFileRequestSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), help_text="Files to upload (max 50MB each, 50MB total)"
    )


class ChatUploadFileResponseSerializer(serializers.Serializer):
    files = UploadedFileSerializer(many=True)


class ChatUploadFile(WidgetView):
    parser_classes = [MultiPartParser]
    throttle_classes = [SessionRateThrottle]

    @extend_schema(
        operation_id="chat_upload_file",
        tags=["Chat"],
        summary="Upload files for a chat message",
        request=ChatUploadFileRequestSerializer,
        responses={201: ChatUploadFileResponseSerializer},
    )
    def post(self, request, session_id):
        session = _session(request, session_id)
        check_consent(session)
        try:
            if (too_large := too_large_for_limits(request)) is not None:
                raise too_large
            files = actions.store_upload(
                session=session, files=request.FILES.getlist("files"), uploaded_by=session.participant
            )
        except FileUploadError as error:
            return Response(error_body(error), status=error.status_code)
        return Response(uploaded_files_body(files), status=status.HTTP_201_CREATED)


class ChatFileContent(WidgetView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAcceptNegotiation
    throttle_classes = [SessionRateThrottle]

    @extend_schema(
        operation_id="chat_file_content",
        tags=["Chat"],
        summary="Download a file of the chat session",
        description="The bytes of a file uploaded to this session, for its participant (the widget's "
        "credentials). Beyond the reference API: each widget message's attachment has it as `download_url`.",
        parameters=[OpenApiParameter("file_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, session_id, file_id):
        session = _session(request, session_id)
        file = file_of_session(session, file_id)
        if file is None:
            raise NotFound("No such file")
        return download_response(file)
