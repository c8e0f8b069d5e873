import pytest

from apps.service_providers.tests.fake_http import FakeServer


@pytest.fixture
def fake_server():
    server = FakeServer().start()
    yield server
    server.stop()
