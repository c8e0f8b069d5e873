import socket

import pytest

from apps.service_providers import http
from apps.service_providers.tests.fake_http import FakeServer


@pytest.fixture
def fake_server():
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def dns_rebinding_to_internal(settings, monkeypatch):
    """`rebind.example` answers 127.0.0.2 (counted as public) once, then 127.0.0.1 (internal)."""
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(http, "is_public_address", lambda address: address == "127.0.0.2")
    monkeypatch.setattr(http, "is_local_address", lambda address: address != "127.0.0.2")
    real_getaddrinfo, answers = socket.getaddrinfo, iter(["127.0.0.2"])

    def lookup(name, *args, **kwargs):
        if name != "rebind.example":
            return real_getaddrinfo(name, *args, **kwargs)
        return real_getaddrinfo(next(answers, "127.0.0.1"), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
