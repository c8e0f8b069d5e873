"""Model fields whose values are encrypted at rest (see apps.utils.encryption)."""

import json
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.utils import encryption, storable

# How json.dumps (ASCII escapes) writes a NUL or a surrogate: only then is a read value scrubbed.
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class EncryptedTextField(models.TextField):
    """A string stored as a Fernet token. Not searchable or orderable, by design."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else encryption.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encryption.encrypt(str(value))


class EncryptedJSONField(models.Field):
    """A JSON value stored as a Fernet token in a text column."""

    # For django-stubs: the attribute holds any JSON value, not the column's text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def get_internal_type(self) -> str:
        return "TextField"

    def __init__(self, *args: Any, encoder: type[json.JSONEncoder] = DjangoJSONEncoder, **kwargs: Any) -> None:
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not DjangoJSONEncoder:
            kwargs["encoder"] = self.encoder
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection) -> Any:
        if value is None:
            return None
        text = encryption.decrypt(value)
        if _ESCAPED_UNSTORABLE.search(text) is None:
            return json.loads(text)
        # Stored before the edges refused it (a NUL, a lone surrogate): read it scrubbed, so the pages
        # that show it render and the value can be edited and saved.
        return storable.scrub(json.loads(text))

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encryption.encrypt(json.dumps(value, cls=self.encoder))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=self.encoder)


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField | EncryptedJSONField)]
