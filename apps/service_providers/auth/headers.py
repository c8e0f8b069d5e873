"""Auth types that add one header to every request: an API key or a bearer token."""

from collections.abc import Generator
from typing import Any

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.auth.base import AuthProviderType
from apps.service_providers.config_models import ProviderSettings


class HeaderAuth(httpx.Auth):
    def __init__(self, header: str, value: str):
        self.header = header
        self.value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.value
        yield request


class ApiKeySettings(ProviderSettings):
    header_name: str = Field("X-Api-Key", title="Header name", pattern=r"^[A-Za-z0-9-]+$")
    api_key: SecretStr = Field(title="API key")


class ApiKeyAuth(AuthProviderType):
    slug = "api_key"
    label = "API key header"
    description = "Sends an API key in a header of your choice."
    settings_model = ApiKeySettings

    def httpx_auth(self, settings: Any) -> httpx.Auth:
        return HeaderAuth(settings.header_name, settings.api_key.get_secret_value())


class BearerSettings(ProviderSettings):
    token: SecretStr = Field(title="Token")


class BearerAuth(AuthProviderType):
    slug = "bearer"
    label = "Bearer token"
    description = "Sends `Authorization: Bearer <token>`."
    settings_model = BearerSettings

    def httpx_auth(self, settings: Any) -> httpx.Auth:
        return HeaderAuth("Authorization", f"Bearer {settings.token.get_secret_value()}")
