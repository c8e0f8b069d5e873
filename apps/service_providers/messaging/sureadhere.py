from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.provider_type import ProviderType


class SureAdhereSettings(ProviderSettings):
    tenant_id: str = Field(title="Tenant ID")
    client_id: str = Field(title="Client ID")
    client_secret: SecretStr = Field(title="Client secret")
    client_scope: str = Field(title="Client scope")
    auth_url: str = Field(title="Auth URL")
    base_url: str = Field(title="API base URL")


class SureAdhereMessaging(ProviderType):
    slug = "sureadhere"
    label = "SureAdhere"
    description = "Messages through the SureAdhere treatment-adherence platform."
    settings_model = SureAdhereSettings
