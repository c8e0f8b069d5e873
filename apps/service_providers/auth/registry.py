from apps.service_providers.auth.base import AuthProviderType
from apps.service_providers.auth.basic import BasicAuth
from apps.service_providers.auth.headers import ApiKeyAuth, BearerAuth
from apps.service_providers.auth.oauth2_client_credentials import OAuth2ClientCredentials

AUTH_PROVIDER_TYPES: dict[str, AuthProviderType] = {
    provider.slug: provider for provider in (BasicAuth(), ApiKeyAuth(), BearerAuth(), OAuth2ClientCredentials())
}
