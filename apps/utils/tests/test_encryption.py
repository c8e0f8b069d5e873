import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from apps.service_providers.tests.factories import LlmProviderFactory
from apps.utils import encryption

pytestmark = pytest.mark.django_db


def raw_config(provider) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM service_providers_llmprovider WHERE id = %s", [provider.pk])
        return cursor.fetchone()[0]


def test_secrets_are_encrypted_at_rest():
    provider = LlmProviderFactory(config={"api_key": "sk-very-secret"})
    stored = raw_config(provider)
    assert "sk-very-secret" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    provider.refresh_from_db()
    assert provider.config["api_key"] == "sk-very-secret"


def test_key_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    provider = LlmProviderFactory(config={"api_key": "sk-rotate-me"})
    written_with_old = raw_config(provider)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    provider.refresh_from_db()
    assert provider.config["api_key"] == "sk-rotate-me"  # old values still read
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert raw_config(provider) != written_with_old

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: rotated values still read
    provider.refresh_from_db()
    assert provider.config["api_key"] == "sk-rotate-me"


def test_a_value_under_an_unknown_key_fails_clearly(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    provider = LlmProviderFactory()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(encryption.DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        provider.refresh_from_db()
