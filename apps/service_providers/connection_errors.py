"""Why 'Test connection' failed, in words a team member can act on: the address that was tried
(never the key: no user info, no query string) and the cause, found in the failure's exception chain
(the SDKs wrap it as "Connection error."): the host name does not resolve, nothing listens there,
TLS failed, the key was refused (401/403), nothing at that path (404), or no answer in time."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from apps.service_providers import errors

# Where a provider type connects when its settings name no address.
DEFAULT_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
}
ADDRESS_SETTINGS = ("base_url", "endpoint")


def shown_url(url: str) -> str:
    """`url` without what may hold a secret: user info, query and fragment."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        return url.strip().split("?", 1)[0]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def provider_url(provider: Any, provider_type: Any) -> str:
    """The address the provider's calls go to: its settings', else its type's default ("" if unknown)."""
    config = provider.config or {}
    for name in ADDRESS_SETTINGS:
        if config.get(name):
            return shown_url(str(config[name]))
    return getattr(provider_type, "default_base_url", "") or DEFAULT_URLS.get(provider.type, "")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [linked for linked in (current.__cause__, current.__context__) if linked is not None]


def _cause(error: errors.ProviderError) -> str | None:
    """What went wrong underneath, or None when the provider's own message says it best."""
    chain = list(_chain(error))
    for found in chain:
        if isinstance(found, socket.gaierror) or "Cannot resolve host" in str(found):
            return "the host name does not resolve (DNS lookup failed)"
    for found in chain:
        if isinstance(found, ssl.SSLCertVerificationError):
            reason = found.verify_message or found.reason or "not trusted"
            return f"TLS failed: the server's certificate was not accepted ({reason})"
        if isinstance(found, ssl.SSLError):
            return f"TLS failed ({found.reason or found})"
    for found in chain:
        if isinstance(found, ConnectionRefusedError):
            return "the connection was refused (nothing listens at that address and port)"
    for found in chain:
        if isinstance(found, errors.ProviderTimeout | httpx.TimeoutException | TimeoutError):
            return "no answer in time (timed out)"
    return None


def explain(error: errors.ProviderError, url: str, model: str) -> str:
    """The sentence 'Test connection' shows for `error`, naming `url`."""
    at = f" at {url}" if url else ""
    if (cause := _cause(error)) is not None:
        return f"Cannot connect to {url or 'the provider'}: {cause}."
    if error.status_code in (401, 403):
        return f"The API key was refused{at} (HTTP {error.status_code}): {error}"
    if error.status_code == 404:
        return (
            f"Nothing found{at} for model '{model}' (HTTP 404): check the base URL's path (OpenAI-compatible "
            f"servers usually end in /v1) and the model name. {error}"
        )
    if isinstance(error, errors.ProviderUnavailable) and url:
        return f"Cannot connect to {url}: {error}"
    return str(error)
