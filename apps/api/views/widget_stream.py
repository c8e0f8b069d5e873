"""Beyond the reference widget API: `POST /api/chat/<session_id>/message/stream/` answers with the reply
as server-sent events (`token` … then `done` or `error`), the same events as the web chat.

Only key-based credentials are accepted here (an API key, or the widget's embed key with the
session token), never the browser's cookie, so the endpoint needs no CSRF token."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException, Throttled

from apps.api.authentication import ApiKeyUser
from apps.api.chatbot_access import MAX_MESSAGE_CHARS
from apps.api.keys import find_api_key
from apps.api.throttles import FailedApiKeyThrottle, allow_session_request
from apps.api.views.widget_api import _session
from apps.api.widget_access import check_consent
from apps.experiments.streaming import reply_events
from apps.files.exceptions import AttachmentError
from apps.files.selectors import session_attachments
from apps.utils import storable
from apps.utils.sse import event_stream_response
from apps.utils.throttling import retry_after

# As the other widget calls, less the CSRF token: this endpoint never reads the browser's cookie.
ALLOWED_HEADERS = "Content-Type, X-OCS-Widget-Version, X-Embed-Key, X-Session-Token, X-Api-Key, Authorization"


def _with_cors(request, response: HttpResponseBase) -> HttpResponseBase:
    if origin := request.headers.get("Origin"):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _authorised_session(request, session_id: str, attachment_ids: list[int]):
    """The session (or an access error) and the message's attachments (or AttachmentError)."""
    raw_key = request.headers.get("X-Api-Key") or request.headers.get("Authorization", "").removeprefix("Bearer ")
    key = None
    if raw_key:
        failures = FailedApiKeyThrottle()  # as for every API key check (apps.api.authentication)
        failures.check(request)
        key = find_api_key(raw_key.strip())
        if key is None:
            failures.record_failure(request)
    caller = SimpleNamespace(user=ApiKeyUser(key) if key else None, headers=request.headers)
    session = _session(caller, session_id)
    # The same per-conversation limit as the widget's other message endpoint (a plain async view has
    # no DRF throttles of its own).
    if (wait := allow_session_request(session_id)) is not None:
        raise Throttled(wait=wait)
    check_consent(session)
    return session, session_attachments(session, attachment_ids)


@csrf_exempt
async def chat_message_stream(request, session_id: str):
    if request.method == "OPTIONS":
        response = HttpResponse()
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = "600"
        return _with_cors(request, response)
    if request.method != "POST":
        return _with_cors(request, JsonResponse({"detail": "Use POST"}, status=405))
    try:
        body = storable.json_body(request) if request.body else {}
    except storable.Unstorable as error:
        return _with_cors(request, JsonResponse(storable.error_detail(error), status=400))
    except ValueError as error:
        return _with_cors(request, JsonResponse({"detail": f"The body is not JSON: {error}"}, status=400))
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return _with_cors(request, JsonResponse({"message": ["This field is required."]}, status=400))
    if len(message) > MAX_MESSAGE_CHARS:
        return _with_cors(request, JsonResponse({"detail": "The message is too long"}, status=413))
    attachment_ids = body.get("attachment_ids") or []
    if not isinstance(attachment_ids, list) or not all(type(i) is int for i in attachment_ids):
        return _with_cors(request, JsonResponse({"attachment_ids": ["A list of file ids is expected."]}, status=400))
    try:
        session, attachments = await sync_to_async(_authorised_session)(request, session_id, attachment_ids)
    except APIException as error:
        refused = JsonResponse(error.detail, status=error.status_code, safe=False)
        if wait := getattr(error, "wait", None):  # Throttled
            refused["Retry-After"] = retry_after(wait)
        return _with_cors(request, refused)
    except AttachmentError as error:
        return _with_cors(request, JsonResponse({"attachment_ids": [error.message]}, status=400))
    if session.is_complete:
        return _with_cors(request, JsonResponse({"detail": "This conversation has ended"}, status=409))
    events = reply_events(session, message, message_id=uuid.uuid4().hex, version=None, attachments=attachments)
    return _with_cors(request, event_stream_response(events))
