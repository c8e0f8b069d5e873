"""Credentials for calling a team's own APIs (custom actions, MCP servers). Each auth type turns its
settings into an `httpx.Auth` that the caller attaches to requests."""

from typing import Any, ClassVar

import httpx

from apps.service_providers.provider_type import ProviderType


class AuthProviderType(ProviderType):
    secret_headers: ClassVar[tuple[str, ...]] = ("authorization",)

    def httpx_auth(self, settings: Any) -> httpx.Auth:
        raise NotImplementedError
