"""The descriptor every provider type (LLM, voice, messaging, auth, tracing) is an instance of."""

from typing import Any, ClassVar

from apps.service_providers.config_models import ProviderSettings


class ProviderType:
    slug: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    settings_model: ClassVar[type[ProviderSettings]]
    # Types that can make one cheap real call to prove the settings work.
    supports_test_connection: ClassVar[bool] = False

    def parse_settings(self, stored: Any) -> Any:
        return self.settings_model.model_validate(stored or {})

    def test_connection(self, settings: Any, **options: Any) -> str:
        """Make one minimal real call; return a short message for the user or raise ProviderError."""
        raise NotImplementedError
