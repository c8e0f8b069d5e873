"""Langfuse: traces of chatbot runs sent to a Langfuse project (cloud or self-hosted)."""

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import ProviderUnavailable, error_for_status
from apps.service_providers.http import check_url_allowed, http_client
from apps.service_providers.provider_type import ProviderType


class LangfuseSettings(ProviderSettings):
    public_key: str = Field(title="Public key", pattern=r"^pk-lf-")
    secret_key: SecretStr = Field(title="Secret key")
    host: str = Field("https://cloud.langfuse.com", title="Host")


class LangfuseTracing(ProviderType):
    slug = "langfuse"
    label = "Langfuse"
    description = "Send traces of every chatbot run to Langfuse."
    settings_model = LangfuseSettings
    supports_test_connection = True

    def test_connection(self, settings, **options):
        host = settings.host.rstrip("/")
        check_url_allowed(host)
        auth = (settings.public_key, settings.secret_key.get_secret_value())
        try:
            with http_client(timeout=15) as client:
                response = client.get(f"{host}/api/public/projects", auth=auth)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Cannot reach Langfuse at {host}: {error}", provider=self.label) from error
        if response.status_code != 200:
            raise error_for_status(response.status_code, provider=self.label)
        projects = response.json().get("data", [])
        names = ", ".join(project.get("name", "?") for project in projects) or "no project"
        return f"Connected to Langfuse ({names})."
