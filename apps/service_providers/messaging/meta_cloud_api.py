from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.provider_type import ProviderType


class MetaCloudApiSettings(ProviderSettings):
    business_id: str = Field(title="WhatsApp Business Account ID")
    access_token: SecretStr = Field(title="Access token", description="A system user token with whatsapp permissions")
    app_secret: SecretStr = Field(title="App secret", description="Verifies the X-Hub-Signature-256 of webhooks")
    verify_token: SecretStr = Field(title="Webhook verify token", description="Any string; enter the same at Meta")


class MetaCloudApiMessaging(ProviderType):
    slug = "meta_cloud_api"
    label = "WhatsApp Cloud API (Meta)"
    description = "WhatsApp directly through Meta's Cloud API."
    settings_model = MetaCloudApiSettings
