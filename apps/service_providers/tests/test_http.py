"""The one HTTP client of the providers (apps/service_providers/http.py): it connects to the address it
checked, so a DNS answer that changes after the check (rebinding) cannot lead it to another one."""

from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apps.service_providers import http
from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.tests.fake_http import FakeResponse, FakeServer


@pytest.fixture
def server():
    fake = FakeServer().start()
    fake.route("GET", "/ping", FakeResponse(200, b"pong"))
    yield fake
    fake.stop()


@pytest.fixture
def rebinding_dns(monkeypatch, settings):
    """Production rules; `rebind.example` answers 127.0.0.1 (counted as public here) once, then an
    address where nothing listens."""
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(http, "is_public_address", lambda address: address == "127.0.0.1")
    real_getaddrinfo, answers = socket.getaddrinfo, iter(["127.0.0.1"])

    def lookup(name, *args, **kwargs):
        if name != "rebind.example":
            return real_getaddrinfo(name, *args, **kwargs)
        return real_getaddrinfo(next(answers, "127.0.0.9"), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)


def test_the_client_connects_to_the_address_it_checked(server, rebinding_dns):
    port = urlsplit(server.url).port
    with http.http_client(timeout=5, allow_local=True) as client:
        response = client.get(f"http://rebind.example:{port}/ping")
    assert response.text == "pong"
    assert server.requests_to("/ping")[0].headers["host"] == f"rebind.example:{port}"


def test_the_async_client_connects_to_the_address_it_checked(server, rebinding_dns, monkeypatch):
    port = urlsplit(server.url).port
    monkeypatch.setattr(http, "private_addresses_allowed", lambda: True)  # this machine, as in development

    async def fetch() -> str:
        async with http.async_http_client(timeout=5) as client:
            return (await client.get(f"http://rebind.example:{port}/ping")).text

    # A thread of its own: browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, fetch()).result() == "pong"


def test_https_to_a_pinned_address_verifies_the_certificate_for_the_name(rebinding_dns, tmp_path):
    # The connection goes to 127.0.0.1, yet TLS must send and verify the host name: the certificate
    # below is valid for rebind.example only.
    server_context, client_context = _tls_contexts("rebind.example", tmp_path)
    server = FakeServer(tls=server_context).start()
    server.route("GET", "/ping", FakeResponse(200, b"pong"))
    try:
        port = urlsplit(server.url).port
        transport = http.PinnedTransport(allow_local=True, verify=client_context)
        with httpx.Client(transport=transport, timeout=5) as client:
            assert client.get(f"https://rebind.example:{port}/ping").text == "pong"
    finally:
        server.stop()


def _tls_contexts(name: str, folder) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `name`: (server context, client context that trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(certificate_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client_context = ssl.create_default_context(cadata=certificate_pem.decode())
    return server_context, client_context


def test_production_clients_refuse_private_and_local_addresses(server, settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    for url in (server.url + "/ping", f"http://[::ffff:127.0.0.1]:{urlsplit(server.url).port}/ping"):
        with http.http_client(timeout=5) as client, pytest.raises(ProviderConfigError, match="private address"):
            client.get(url)
    assert server.requests == []


def test_an_openai_compatible_model_cannot_be_rebound_to_an_internal_service(server, dns_rebinding_to_internal):
    # The base URL's host answers a "public" address when the model is built and checked (127.0.0.2
    # counts as public here), then the address of an internal service (the fake server). The SDK
    # must not reach it.
    from langchain_core.messages import HumanMessage

    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.llm.openai_family import build_openai_compatible_model
    from apps.service_providers.tests import openai_wire

    server.route("POST", "/v1/chat/completions", openai_wire.completion("internal data"))
    port = urlsplit(server.url).port
    model = build_openai_compatible_model(
        model_name="m",
        options=CallOptions(max_retries=0, timeout=5),
        accepted=None,
        api_key=None,
        base_url=f"http://rebind.example:{port}/v1",
    )
    with pytest.raises(ProviderConfigError, match="private address"):
        model.invoke([HumanMessage("Hi")])
    assert server.requests == []


def test_addresses_of_this_machine():
    for address in ("127.0.0.1", "127.8.8.8", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1", "169.254.169.254"):
        assert http.is_local_address(address), address
    for address in ("10.0.0.1", "192.168.1.1", "8.8.8.8", "2001:4860:4860::8888"):
        assert not http.is_local_address(address), address
    assert not http.is_public_address("::ffff:10.0.0.1")
    # IPv6 addresses that reach an IPv4 one: through NAT64 (RFC 6052) and 6to4, the metadata service.
    for address in ("64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"):
        assert http.is_local_address(address), address
        assert not http.is_public_address(address), address
    assert http.is_public_address("64:ff9b::808:808")  # 8.8.8.8
