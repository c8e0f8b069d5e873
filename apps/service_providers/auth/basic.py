from typing import Any

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.auth.base import AuthProviderType
from apps.service_providers.config_models import ProviderSettings


class BasicAuthSettings(ProviderSettings):
    username: str = Field(title="Username")
    password: SecretStr = Field(title="Password")


class BasicAuth(AuthProviderType):
    slug = "basic"
    label = "Basic auth"
    description = "HTTP Basic: a username and a password."
    settings_model = BasicAuthSettings

    def httpx_auth(self, settings: Any) -> httpx.Auth:
        return httpx.BasicAuth(settings.username, settings.password.get_secret_value())
