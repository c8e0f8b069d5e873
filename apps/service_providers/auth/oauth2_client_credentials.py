"""OAuth 2.0 client credentials (RFC 6749 §4.4): fetch a token from the token URL, reuse it until
shortly before it expires, fetch a new one on expiry or on a 401."""

import threading
import time
from collections.abc import Generator
from typing import Any

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.auth.base import AuthProviderType
from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import AuthenticationFailed, ProviderUnavailable, error_for_status
from apps.service_providers.http import check_url_allowed, http_client

EXPIRY_MARGIN_SECONDS = 30


class OAuth2ClientCredentialsSettings(ProviderSettings):
    token_url: str = Field(title="Token URL")
    client_id: str = Field(title="Client ID")
    client_secret: SecretStr = Field(title="Client secret")
    scope: str = Field("", title="Scope", description="Optional, space-separated")


class ClientCredentialsAuth(httpx.Auth):
    def __init__(self, settings: OAuth2ClientCredentialsSettings, label: str = "OAuth2"):
        self.settings = settings
        self.label = label
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def fetch_token(self) -> str:
        check_url_allowed(self.settings.token_url)
        data = {"grant_type": "client_credentials"}
        if self.settings.scope:
            data["scope"] = self.settings.scope
        auth = (self.settings.client_id, self.settings.client_secret.get_secret_value())
        try:
            with http_client(timeout=20) as client:
                response = client.post(self.settings.token_url, data=data, auth=auth)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Cannot reach the token URL: {error}", provider=self.label) from error
        if response.status_code != 200:
            raise error_for_status(response.status_code, provider=self.label, detail=response.text[:200])
        body = response.json()
        if "access_token" not in body:
            raise AuthenticationFailed("The token endpoint answered without an access_token", provider=self.label)
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + float(body.get("expires_in", 3600)) - EXPIRY_MARGIN_SECONDS
        return self._token

    def _current_token(self, force: bool = False) -> str:
        with self._lock:
            if force or self._token is None or time.monotonic() >= self._expires_at:
                return self.fetch_token()
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._current_token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self._current_token(force=True)}"
            yield request


class OAuth2ClientCredentials(AuthProviderType):
    slug = "oauth2_client_credentials"
    label = "OAuth2 client credentials"
    description = "Fetches a bearer token from your token URL with a client ID and secret."
    settings_model = OAuth2ClientCredentialsSettings
    supports_test_connection = True

    def httpx_auth(self, settings: Any) -> httpx.Auth:
        return ClientCredentialsAuth(settings)

    def test_connection(self, settings: Any, **options: Any) -> str:
        ClientCredentialsAuth(settings).fetch_token()
        return "The token URL issued an access token."
