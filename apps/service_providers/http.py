"""The one place provider adapters get an HTTP client from (DESIGN §3.9).

Tests patch nothing here: they point a provider's base URL at a local fake server. The address
check stops a team from aiming a provider at internal services (cloud metadata, the database)
unless the deployment allows private addresses, which the embedded default does so that Ollama or
LM Studio on the same laptop work. Clients from here resolve each request's host once, check every
address and connect to a checked one (PinnedTransport), so a DNS answer that changes after the
check (rebinding) cannot lead them elsewhere.
"""

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from apps.service_providers.errors import ProviderConfigError

DEFAULT_TIMEOUT_SECONDS = 60.0


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "PROVIDERS_ALLOW_PRIVATE_ADDRESSES", False))


def is_public_address(address: str) -> bool:
    ip = _unmapped(ipaddress.ip_address(address))
    return ip.is_global and not ip.is_multicast


def is_local_address(address: str) -> bool:
    """This machine: loopback, 0.0.0.0 / :: (which Linux connects to loopback), or link-local."""
    ip = _unmapped(ipaddress.ip_address(address))
    return ip.is_loopback or ip.is_unspecified or ip.is_link_local


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: a NAT64 gateway forwards to the IPv4 address inside


def _unmapped(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 one reaches, where it embeds one: ::ffff:127.0.0.1 is 127.0.0.1 to the
    kernel (before Python 3.13 ipaddress does not say so); 64:ff9b::a9fe:a9fe reaches 169.254.169.254
    through NAT64, and 2002:a9fe:a9fe:: through 6to4."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return ip
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    return ip


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host` (the one DNS lookup of a request; tests replace it)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def allowed_addresses(host: str, port: int, *, allow_private: bool, allow_local: bool) -> list[str]:
    """Resolve `host` once and return its addresses if every one is allowed, else raise ProviderConfigError.
    Connect to one of these, never to the name again: a second lookup may answer differently (DNS
    rebinding) and reach an address that was never checked."""
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as error:
        raise ProviderConfigError(f"Cannot resolve host '{host}': {error}") from error
    if not addresses:
        raise ProviderConfigError(f"Cannot resolve host '{host}'")
    for address in addresses:
        if not allow_private and not is_public_address(address):
            raise ProviderConfigError(f"'{host}' resolves to a private address, which is not allowed here")
        if not allow_local and is_local_address(address):
            raise ProviderConfigError(f"'{host}' resolves to this machine ({address}), which is not allowed")
    return addresses


def check_url_allowed(url: str) -> None:
    """Raise ProviderConfigError if the URL is not http(s) or resolves to a private address while
    private addresses are not allowed. For SDKs that connect by themselves; clients from
    http_client() also check, and pin, every connection."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderConfigError(f"'{url}' is not an http(s) URL")
    if private_addresses_allowed():
        return
    allowed_addresses(
        parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow_private=False, allow_local=False
    )


class PinnedTransport(httpx.HTTPTransport):
    """Checks each request's host when it is sent and connects to the address that was checked.

    The URL's host is replaced by the address; the Host header keeps the name, and TLS sends the name
    (SNI) and verifies the certificate against it, so the server sees an ordinary request.
    `allow_private` defaults to PROVIDERS_ALLOW_PRIVATE_ADDRESSES; `allow_local` (loopback, 0.0.0.0,
    link-local) defaults to the same, and code nodes pass False always."""

    def __init__(self, *, allow_private: bool | None = None, allow_local: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_private = allow_private
        self.allow_local = allow_local

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pin(request, allow_private=self.allow_private, allow_local=self.allow_local)
        return super().handle_request(request)


class AsyncPinnedTransport(httpx.AsyncHTTPTransport):
    """PinnedTransport for httpx.AsyncClient (the lookup runs in a thread)."""

    def __init__(self, *, allow_private: bool | None = None, allow_local: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_private = allow_private
        self.allow_local = allow_local

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.to_thread(pin, request, allow_private=self.allow_private, allow_local=self.allow_local)
        return await super().handle_async_request(request)


class DualPinnedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """One pinned transport for SDKs that hand the same `client_args` to their sync and their async
    httpx client (google-genai through langchain-google-genai): each client calls its own half."""

    def __init__(self, **kwargs: Any) -> None:
        self.sync = PinnedTransport(**kwargs)
        self.async_ = AsyncPinnedTransport(**kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.async_.handle_async_request(request)

    def close(self) -> None:
        self.sync.close()

    async def aclose(self) -> None:
        await self.async_.aclose()


def pin(request: httpx.Request, *, allow_private: bool | None, allow_local: bool | None) -> None:
    """Point `request` at a checked address of its host (see PinnedTransport)."""
    url = request.url
    if url.scheme not in ("http", "https") or not url.host:
        raise ProviderConfigError(f"'{url}' is not an http(s) URL")
    private = private_addresses_allowed() if allow_private is None else allow_private
    local = private if allow_local is None else allow_local
    addresses = allowed_addresses(
        url.host, url.port or (443 if url.scheme == "https" else 80), allow_private=private, allow_local=local
    )
    if url.scheme == "https":
        request.extensions = {**request.extensions, "sni_hostname": url.host}
    request.url = url.copy_with(host=addresses[0])


def http_client(
    timeout: float = DEFAULT_TIMEOUT_SECONDS, *, allow_local: bool | None = None, **kwargs: Any
) -> httpx.Client:
    transport = PinnedTransport(allow_local=allow_local)
    return httpx.Client(timeout=timeout, follow_redirects=False, transport=transport, **kwargs)


def async_http_client(timeout: float = DEFAULT_TIMEOUT_SECONDS, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=AsyncPinnedTransport(), **kwargs)


def pinned_sdk_clients() -> dict[str, Any]:
    """`http_client` / `http_async_client` arguments for an OpenAI SDK based model at a team's URL, so
    its connections, too, go to checked addresses. Built with the model, which is cached per process,
    so connections are still reused across calls; the SDK sets each request's timeout itself."""
    return {"http_client": http_client(), "http_async_client": async_http_client()}
