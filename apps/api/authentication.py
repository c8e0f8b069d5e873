"""DRF authentication with team API keys: `X-api-key: <key>` or `Authorization: Bearer <key>`
(what the OpenAI SDK sends)."""

from __future__ import annotations

from typing import cast

from rest_framework import authentication, exceptions

from apps.api.keys import find_api_key, mark_used
from apps.api.throttles import FailedApiKeyThrottle


class ApiKeyUser:
    """The caller of an API request: acts for one team, through one key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, key):
        self.key = key
        self.team = key.team
        self.pk = None

    def __str__(self) -> str:
        return f"API key {self.key.prefix}"


def api_caller(request) -> ApiKeyUser:
    """The API-key caller of a request that the view's permission already required."""
    return cast(ApiKeyUser, request.user)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = request.headers.get("X-Api-Key")
        if not raw:
            header = request.headers.get("Authorization", "")
            if not header.startswith(f"{self.keyword} "):
                return None
            raw = header[len(self.keyword) + 1 :].strip()
        failures = FailedApiKeyThrottle()
        failures.check(request)
        key = find_api_key(raw)
        if key is None:
            failures.record_failure(request)
            raise exceptions.AuthenticationFailed("Invalid or revoked API key")
        mark_used(key)
        return ApiKeyUser(key), key

    def authenticate_header(self, request) -> str:
        return self.keyword
