"""Rate limits per API key and per session; over the limit is 429 with Retry-After."""

from rest_framework.throttling import SimpleRateThrottle


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
        return None if not session else self.cache_format % {"scope": self.scope, "ident": str(session)[:64]}
