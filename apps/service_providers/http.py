"""The one place provider adapters get an HTTP client from (DESIGN §3.9).

Tests patch nothing here: they point a provider's base URL at a local fake server. The address
check stops a team from aiming a provider at internal services (cloud metadata, the database)
unless the deployment allows private addresses, which the embedded default does so that Ollama or
LM Studio on the same laptop work.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from apps.service_providers.errors import ProviderConfigError

DEFAULT_TIMEOUT_SECONDS = 60.0


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "PROVIDERS_ALLOW_PRIVATE_ADDRESSES", False))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def check_url_allowed(url: str) -> None:
    """Raise ProviderConfigError if the URL is not http(s) or resolves to a private address while
    private addresses are not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderConfigError(f"'{url}' is not an http(s) URL")
    if private_addresses_allowed():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as error:
        raise ProviderConfigError(f"Cannot resolve host '{parts.hostname}': {error}") from error
    for info in infos:
        if not is_public_address(str(info[4][0])):
            raise ProviderConfigError(f"'{parts.hostname}' resolves to a private address, which is not allowed here")


def http_client(timeout: float = DEFAULT_TIMEOUT_SECONDS, **kwargs) -> httpx.Client:
    return httpx.Client(timeout=timeout, follow_redirects=False, **kwargs)


def async_http_client(timeout: float = DEFAULT_TIMEOUT_SECONDS, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, **kwargs)
