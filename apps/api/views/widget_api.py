"""The chat widget API, as Open Chat Studio's `open-chat-studio-widget` calls it:
start a session, send a message (answered in the background), poll the task, poll new messages;
plus a streaming variant that answers token by token."""

from __future__ import annotations

import uuid
from datetime import UTC

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.authentication import ApiKeyAuthentication
from apps.api.chatbot_access import chatbot_version, check_message_size
from apps.api.resource_serializers import STATUS_NAMES, ExperimentSerializer, WidgetMessageSerializer
from apps.api.schema_types import (
    POLL_PARAMETERS,
    WIDGET_ERRORS,
    ChatPollResponseSerializer,
    ChatSendMessageResponseSerializer,
    ChatStartSessionResponseSerializer,
    ChatTaskPollErrorSerializer,
    ChatTaskPollSerializer,
    DetailErrorSerializer,
)
from apps.api.serializers import JsonObjectField
from apps.api.throttles import SessionRateThrottle, WidgetStartAddressThrottle, WidgetStartOriginThrottle
from apps.api.widget_access import (
    BadIdentitySignature,
    ChatAccessDenied,
    WidgetAccess,
    check_consent,
    check_session_access,
    remote_id_is_verified,
    session_token,
    widget_access,
)
from apps.chat.models import ChatMessage
from apps.conversations.bot import BotError, receive_message
from apps.conversations.tasks import queue_reply
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import version_to_serve
from apps.experiments.sessions import start_session, update_session_state
from apps.experiments.streaming import error_message
from apps.files.exceptions import AttachmentError
from apps.files.selectors import session_attachments
from apps.participants.actions import get_or_create_participant

POLL_LIMIT = 50
MAX_POLL_LIMIT = 200
# What a cross-site page may send. The published widget sends x-ocs-widget-version on every call, so
# a preflight that leaves it out refuses the widget before it starts (Open Chat Studio allows it too).
ALLOWED_HEADERS = (
    "Content-Type, X-OCS-Widget-Version, X-Embed-Key, X-Session-Token, X-Api-Key, Authorization, X-CSRFToken"
)


class WidgetView(APIView):
    authentication_classes = [SessionAuthentication, ApiKeyAuthentication]
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        if origin:
            # The access check already refused origins a widget channel does not allow.
            response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = "Origin"
            if request.method == "OPTIONS":
                response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response["Access-Control-Max-Age"] = "600"
            else:
                response["Access-Control-Expose-Headers"] = "Content-Disposition, Retry-After"
        return response


def _session(request, session_id) -> ExperimentSession:
    return _session_and_access(request, session_id)[0]


def _session_and_access(request, session_id) -> tuple[ExperimentSession, WidgetAccess]:
    try:
        key = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound("No such session") from None
    session = (
        ExperimentSession.objects.select_related("experiment", "participant", "chat", "team")
        .filter(public_id=key)
        .first()
    )
    if session is None:
        raise NotFound("No such session")
    return session, check_session_access(request, session)


class StartSessionSerializer(serializers.Serializer):
    chatbot_id = serializers.UUIDField()
    version_number = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    session_data = JsonObjectField(required=False)  # checked here too when sent as a form
    participant_remote_id = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    participant_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    participant_remote_id_signature = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=128,
        default="",
        help_text="Hex HMAC-SHA256 of participant_remote_id with the widget channel's identity secret, made by "
        "the embedding site's server: without it (or team credentials, or a session token of that participant) "
        "the remote id is not trusted and the session gets a new anonymous participant",
    )


def _consent_body(consent_form, session) -> dict | None:
    if consent_form is None or session.status != ExperimentSession.Status.PENDING_CONSENT:
        return None
    return {
        "text": consent_form.consent_text,
        "confirmation_text": consent_form.confirmation_text,
        "url": f"/api/chat/{session.public_id}/consent/",
    }


class ChatStart(WidgetView):
    throttle_classes = [WidgetStartAddressThrottle, WidgetStartOriginThrottle]

    def check_throttles(self, request):
        # DRF counts a request against every throttle even once one has refused it: one address over
        # its own limit would go on filling its Origin's shared bucket and shut the site's widget off.
        # Stop at the first refusal (the address's comes first).
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())

    @extend_schema(
        tags=["Chat"],
        summary="Start a chat session for a widget",
        request=StartSessionSerializer,
        responses={201: ChatStartSessionResponseSerializer, **WIDGET_ERRORS},
    )
    def post(self, request):
        serializer = StartSessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        experiment = Experiment.objects.filter(
            public_id=data["chatbot_id"], working_version__isnull=True, is_archived=False
        ).first()
        if experiment is None:
            raise NotFound("No such chatbot")
        access = widget_access(request, experiment)
        if data.get("version_number") and not access.trusted:
            raise ChatAccessDenied("Choosing a version needs team credentials")
        remote_id = data["participant_remote_id"]
        try:
            verified = remote_id_is_verified(
                request, access, experiment, remote_id, data["participant_remote_id_signature"]
            )
        except BadIdentitySignature as error:
            raise ValidationError({"participant_remote_id_signature": [str(error)]}) from error
        # An unproven remote id must not reach that participant's data: a separate participant it is.
        identifier = remote_id if verified else f"anonymous-{uuid.uuid4().hex[:12]}"
        participant = get_or_create_participant(
            team=experiment.team, platform="web", identifier=identifier, name=data["participant_name"]
        )
        version_number = None
        if data.get("version_number"):
            version_number = chatbot_version(experiment, data["version_number"]).version_number
        # The public link's rule: the served version's consent form comes first. Team credentials
        # answer for their own participants, as on the API channel (ADR 0010).
        consent_form = None if access.trusted else version_to_serve(experiment, version_number).consent_form
        try:
            # One insert, through the sessions' action: state, pinned version and consent as it starts.
            session = start_session(
                experiment=experiment,
                participant=participant,
                platform="web",
                state=data.get("session_data") if access.trusted else None,
                version_number=version_number,
                needs_consent=consent_form is not None,
            )
        except ChatbotActionError as error:
            raise ChatAccessDenied(str(error)) from error
        body = {
            "session_id": str(session.public_id),
            "session_token": None if access.trusted else session_token(session),
            "chatbot": ExperimentSerializer(experiment, context={"request": request}).data,
            "participant": {"identifier": participant.identifier, "remote_id": remote_id if verified else ""},
            "consent": _consent_body(consent_form, session),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SendMessageSerializer(serializers.Serializer):
    message = serializers.CharField(trim_whitespace=False)
    context = JsonObjectField(required=False)  # type: ignore[assignment]  # the API's field name
    attachment_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="List of file IDs from prior upload"
    )
    version_number = serializers.IntegerField(required=False, allow_null=True)


class ChatSendMessage(WidgetView):
    throttle_classes = [SessionRateThrottle]

    @extend_schema(
        tags=["Chat"],
        summary="Send a message to a chat session",
        request=SendMessageSerializer,
        responses={
            202: ChatSendMessageResponseSerializer,
            409: DetailErrorSerializer,
            413: DetailErrorSerializer,
            **WIDGET_ERRORS,
        },
    )
    def post(self, request, session_id):
        session = _session(request, session_id)
        check_consent(session)
        serializer = SendMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_message_size(data["message"])
        try:
            attachments = session_attachments(session, data.get("attachment_ids") or [])
        except AttachmentError as error:
            raise ValidationError({"attachment_ids": [error.message]}) from error
        if data.get("context"):
            # On the locked row: a state written meanwhile (the pipeline, the API) is kept.
            update_session_state(session=session, state={"remote_context": data["context"]})
        task_id = uuid.uuid4().hex
        try:
            human = receive_message(session, data["message"], message_id=task_id, attachments=attachments)
        except BotError as error:
            return Response({"task_id": "", "status": "error", "error": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        queue_reply(human.pk)
        return Response({"task_id": task_id, "status": "processing"}, status=status.HTTP_202_ACCEPTED)


class ChatTaskPoll(WidgetView):
    @extend_schema(
        operation_id="chat_poll_task_response",
        tags=["Chat"],
        summary="Poll for task updates",
        responses={200: ChatTaskPollSerializer, **WIDGET_ERRORS, 500: ChatTaskPollErrorSerializer},
    )
    def get(self, request, session_id, task_id):
        session, access = _session_and_access(request, session_id)
        human = ChatMessage.objects.filter(chat=session.chat, external_id=task_id).select_related("reply").first()
        if human is None:
            return Response({"detail": "Task not found"}, status=status.HTTP_404_NOT_FOUND)
        reply = getattr(human, "reply", None)
        if reply is not None:
            message = WidgetMessageSerializer(reply, context={"request": request, "session": session}).data
            return Response({"status": "complete", "message": message})
        if human.metadata.get("error"):
            # A failed pipeline's details (nodes, providers, HTTP errors) are for the team; a visitor
            # gets a reference to them, as on the public chat page.
            failure = human.metadata
            shown = (
                failure["error"]
                if access.trusted or failure.get("error_for_participant")
                else error_message(
                    BotError(failure["error"], trace_id=failure.get("trace_id")), session, show_details=False
                )
            )
            return Response({"status": "error", "error": shown}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return Response({"status": "processing"})


class ChatPoll(WidgetView):
    @extend_schema(
        operation_id="chat_poll_response",
        tags=["Chat"],
        summary="Poll for new messages in a chat session",
        parameters=POLL_PARAMETERS,
        responses={200: ChatPollResponseSerializer, **WIDGET_ERRORS},
    )
    def get(self, request, session_id):
        session = _session(request, session_id)
        messages = session.chat.messages.exclude(metadata__contains={"hidden": True}).order_by("created_at", "id")
        if since := request.query_params.get("since"):
            try:
                moment = parse_datetime(since)
            except ValueError:  # well-formed but not a date, e.g. month 13
                moment = None
            if moment is None:
                raise ValidationError({"since": ["Not an ISO 8601 date-time"]})
            if moment.tzinfo is not None:
                # PostgreSQL refuses offsets beyond ±15:59 (ISO allows ±23:59): compare in UTC.
                try:
                    moment = moment.astimezone(UTC)
                except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
                    raise ValidationError({"since": ["Out of range"]}) from None
            messages = messages.filter(created_at__gt=moment)
        try:
            limit = int(request.query_params.get("limit", POLL_LIMIT))
        except ValueError:
            raise ValidationError({"limit": ["Not a number"]}) from None
        if limit < 1:
            raise ValidationError({"limit": ["At least 1"]})
        limit = min(limit, MAX_POLL_LIMIT)
        page = list(messages[: limit + 1])
        return Response(
            {
                "messages": WidgetMessageSerializer(
                    page[:limit], many=True, context={"request": request, "session": session}
                ).data,
                "has_more": len(page) > limit,
                "session_status": STATUS_NAMES.get(session.status, "unknown"),
            }
        )
