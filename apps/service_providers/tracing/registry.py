from apps.service_providers.provider_type import ProviderType
from apps.service_providers.tracing.langfuse import LangfuseTracing

TRACE_PROVIDER_TYPES: dict[str, ProviderType] = {provider.slug: provider for provider in (LangfuseTracing(),)}
