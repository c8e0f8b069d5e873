from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.provider_type import ProviderType


class TwilioSettings(ProviderSettings):
    account_sid: str = Field(title="Account SID", pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr = Field(title="Auth token")


class TwilioMessaging(ProviderType):
    slug = "twilio"
    label = "Twilio"
    description = "WhatsApp and SMS through Twilio."
    settings_model = TwilioSettings
