from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.provider_type import ProviderType


class TurnioSettings(ProviderSettings):
    auth_token: SecretStr = Field(title="Auth token", description="The Turn.io API token for the number")
    base_url: str = Field("https://whatsapp.turn.io", title="API base URL")


class TurnioMessaging(ProviderType):
    slug = "turnio"
    label = "Turn.io"
    description = "WhatsApp through Turn.io."
    settings_model = TurnioSettings
