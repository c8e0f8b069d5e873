"""Rate limits per API key, per session and per client address; over the limit is 429 with Retry-After.
All are DRF throttles (apps/utils/throttling.py: the one mechanism, usable from plain views too)."""

import uuid
from typing import Any

from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from apps.utils.throttling import SettingRateThrottle, digest, throttle_wait


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        prefix = getattr(key, "prefix", None)
        return None if prefix is None else self.cache_format % {"scope": self.scope, "ident": prefix}


class SessionRateThrottle(SimpleRateThrottle):
    """Keyed on the conversation a request addresses (body `session` or URL `session_id`)."""

    scope = "api_session"

    def get_cache_key(self, request, view):
        session = view.kwargs.get("session_id")
        if session is None and isinstance(getattr(request, "data", None), dict):
            session = request.data.get("session")
        if not session:
            return None
        return self.cache_format % {"scope": self.scope, "ident": digest(_session_key(session))}


def allow_session_request(session_id: str) -> float | None:
    """SessionRateThrottle for a view that is not DRF's (the widget's streamed messages): None when
    allowed, else the seconds to wait."""
    request: Any = None  # keyed on the session alone
    return throttle_wait(SessionRateThrottle(), request, session_id=session_id)


class WidgetStartAddressThrottle(SettingRateThrottle):
    """Widget session starts per client address: each start makes a participant and a session."""

    scope = "widget_start_address"
    rate_setting = "WIDGET_SESSION_STARTS_PER_ADDRESS"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WidgetStartOriginThrottle(SettingRateThrottle):
    """Widget session starts per embedding site (`Origin`), whatever addresses they come from."""

    scope = "widget_start_origin"
    rate_setting = "WIDGET_SESSION_STARTS_PER_ORIGIN"

    def get_cache_key(self, request, view):
        origin = (request.headers.get("Origin") or "(none)").strip().lower()
        return self.cache_format % {"scope": self.scope, "ident": digest(origin)}


class FailedApiKeyThrottle(SettingRateThrottle):
    """Failed API key attempts per client address. Only failures count, but once over the limit the
    address is refused before any key is checked, so guessing cannot go on at full speed."""

    scope = "api_key_failures"
    rate_setting = "API_KEY_FAILURES_PER_ADDRESS"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def check(self, request) -> None:
        """Raise Throttled while the address is over its limit of failures."""
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - duration]
        if len(self.history) >= limit:
            raise Throttled(wait=self.wait())

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        self.check(request)  # reads the current history
        self.throttle_success()  # DRF's name for "count this request"


def _session_key(session: object) -> str:
    """One key for every spelling of a session id that reaches the same session (upper case, braces,
    urn:uuid:, without hyphens: the views accept whatever uuid.UUID accepts)."""
    try:
        return str(uuid.UUID(str(session)))
    except ValueError:
        return str(session)
