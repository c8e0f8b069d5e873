from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.provider_type import ProviderType


class SlackSettings(ProviderSettings):
    bot_token: SecretStr = Field(title="Bot token", description="xoxb-…", pattern=r"^xoxb-")
    signing_secret: SecretStr = Field(title="Signing secret", description="Verifies Slack's event requests")


class SlackMessaging(ProviderType):
    slug = "slack"
    label = "Slack"
    description = "A Slack app in your workspace."
    settings_model = SlackSettings
