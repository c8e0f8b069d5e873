"""Base for provider settings. Each provider type declares its settings as a pydantic model;
the settings form, validation and secret masking are derived from it.

Secrets are `SecretStr` fields: stored encrypted, never rendered back (the form shows them blank
with "leave empty to keep"), excluded from API output and logs.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr


class ProviderSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def secret_field_names(cls) -> list[str]:
        return [name for name, field in cls.model_fields.items() if field.annotation in (SecretStr, SecretStr | None)]

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
