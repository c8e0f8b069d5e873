"""Base for provider settings. Each provider type declares its settings as a pydantic model;
the settings form, validation and secret masking are derived from it.

Secrets are `SecretStr` fields: stored encrypted, never rendered back (the form shows them blank
with "leave empty to keep"), excluded from API output and logs.
"""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

# Settings that decide where a provider's secrets are sent: base URLs, endpoints, hosts, regions.
ADDRESS_FIELD = re.compile(r"(^|_)(url|endpoint|host|region|domain)($|_)")


class ProviderSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def secret_field_names(cls) -> list[str]:
        return [name for name, field in cls.model_fields.items() if field.annotation in (SecretStr, SecretStr | None)]

    @classmethod
    def address_field_names(cls) -> list[str]:
        """The fields that decide where the secrets go: changing one needs the secrets entered again,
        so whoever may edit a provider cannot send its stored key to a host of their choosing."""
        return [name for name in cls.model_fields if ADDRESS_FIELD.search(name)]

    def to_storage(self) -> dict[str, Any]:
        """Plain values, secrets revealed: only for the encrypted column."""
        stored: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            stored[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
        return stored

    def public_dict(self) -> dict[str, Any]:
        """Values safe to show: secrets replaced by whether they are set."""
        shown = self.model_dump(mode="json")
        for name in self.secret_field_names():
            shown[name] = "set" if getattr(self, name) else ""
        return shown
