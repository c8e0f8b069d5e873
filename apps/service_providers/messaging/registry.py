from apps.service_providers.messaging.meta_cloud_api import MetaCloudApiMessaging
from apps.service_providers.messaging.slack import SlackMessaging
from apps.service_providers.messaging.sureadhere import SureAdhereMessaging
from apps.service_providers.messaging.turnio import TurnioMessaging
from apps.service_providers.messaging.twilio import TwilioMessaging
from apps.service_providers.provider_type import ProviderType

MESSAGING_PROVIDER_TYPES: dict[str, ProviderType] = {
    provider.slug: provider
    for provider in (
        TwilioMessaging(),
        TurnioMessaging(),
        MetaCloudApiMessaging(),
        SlackMessaging(),
        SureAdhereMessaging(),
    )
}
