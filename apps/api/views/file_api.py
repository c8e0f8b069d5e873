"""`GET /api/files/<id>/content`: the bytes of one of the team's files (a message's attachment
`content_url`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from apps.api.authentication import api_caller
from apps.files.selectors import file_of_team
from apps.files.views import download_response


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers any Accept header (e.g. application/octet-stream): the file is a
    streaming response that is never rendered, and errors are rendered as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FileContent(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        operation_id="file_content",
        tags=["Files"],
        summary="Download File Content",
        description="The file's bytes, with its content type and name (Content-Disposition: attachment).",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, id: str):
        file = file_of_team(api_caller(request).team, id)
        if file is None:
            raise NotFound("No such file")
        return download_response(file)
