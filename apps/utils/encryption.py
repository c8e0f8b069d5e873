"""Encryption of secrets at rest (provider keys, tokens, participant data).

Fernet (AES-128-CBC + HMAC) from `cryptography`, with a MultiFernet over FIELD_ENCRYPTION_KEYS so a
key can be rotated: new values use the first key, old values still decrypt with the others, and
`manage.py rotate_encryption_keys` re-encrypts every stored value with the first key.
See docs/adr/0005-secrets-at-rest.md.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    pass


def _derived_development_key() -> bytes:
    # Outside production no key is required: derive one from SECRET_KEY so `make run` just works.
    digest = hashlib.sha256(("field-encryption:" + settings.SECRET_KEY).encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    raw_keys = [key.encode() for key in keys] or [_derived_development_key()]
    return MultiFernet([Fernet(key) for key in raw_keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ())))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "A stored secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS"
        ) from error


def rotate(token: str) -> str:
    """The same plaintext, encrypted with the current first key."""
    return fernet().rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()
