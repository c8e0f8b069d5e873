"""The provider settings' checks: base URLs are validated when saved, 'Test connection' takes a typed
model (or says where to add one), and a failure names the address and the cause, never the key.
Each cause is produced for real: a name under .invalid, an unused port, a self-signed certificate,
a local fake server answering 401 or 404 or nothing in time."""

import socket
from typing import cast

import pytest

from apps.service_providers import connection_tests
from apps.service_providers.models import LlmProvider, LlmUsage
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.service_providers.tests.fake_http import FakeResponse, FakeServer
from apps.service_providers.tests.test_http import _tls_contexts

pytestmark = pytest.mark.django_db

KEY = "sk-secret-key-never-shown"


def url(team, *parts) -> str:
    return f"/a/{team.slug}/providers/" + "".join(f"{part}/" for part in parts)


def run_test(admin_client, team, provider, **data) -> str:
    response = admin_client.post(url(team, "llm", provider.pk, "test"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert KEY not in html
    return html


def provider_at(team, base_url: str, type_="openai") -> LlmProvider:
    return cast(
        LlmProvider,
        LlmProviderFactory(team=team, type=type_, name="Mine", config={"api_key": KEY, "base_url": base_url}),
    )


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("not a url", "not an http(s) URL"),
        ("ftp://files.example.com", "not an http(s) URL"),
        ("https://", "no valid host name"),
        ("http://host:port/v1", "not a valid URL"),
    ],
)
def test_a_base_url_that_is_not_one_is_a_form_error(admin_client, team, base_url, error):
    response = admin_client.post(
        url(team, "llm", "new") + "?type=openai_compatible",
        {"type": "openai_compatible", "name": "Local", "base_url": base_url, "api_key": "k"},
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not LlmProvider.objects.filter(name="Local").exists()


def test_a_base_url_with_a_plain_host_name_is_accepted(admin_client, team):
    response = admin_client.post(
        url(team, "llm", "new") + "?type=openai_compatible",
        {"type": "openai_compatible", "name": "Ollama", "base_url": "http://ollama:11434/v1", "api_key": ""},
    )
    assert response.status_code == 302
    assert LlmProvider.objects.get(name="Ollama").config["base_url"] == "http://ollama:11434/v1"


def test_the_test_uses_a_typed_model_name(admin_client, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.completion("OK"))
    provider = provider_at(team, fake_server.url + "/v1", "openai_compatible")
    html = run_test(admin_client, team, provider, model_name="llama3.2")
    assert "alert-success" in html
    assert fake_server.requests_to("/v1/chat/completions")[0].json()["model"] == "llama3.2"
    assert LlmUsage.objects.get().model_name == "llama3.2"


def test_with_no_model_anywhere_it_says_where_to_add_one(admin_client, team, fake_server):
    provider = provider_at(team, fake_server.url + "/v1", "openai_compatible")  # no catalogue models
    page = admin_client.get(url(team, "llm", provider.pk)).content.decode()
    assert 'name="model_name"' in page
    html = run_test(admin_client, team, provider)
    assert "Type the name of a model" in html
    assert f'href="{url(team, "models", "new")}"' in html


def test_dns_failure(admin_client, team):
    html = run_test(admin_client, team, provider_at(team, "https://api.nowhere.invalid/v1?key=abc"))
    assert "Cannot connect to https://api.nowhere.invalid/v1: the host name does not resolve" in html
    assert "key=abc" not in html


def test_connection_refused(admin_client, team):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    html = run_test(admin_client, team, provider_at(team, f"http://127.0.0.1:{port}/v1"))
    assert f"Cannot connect to http://127.0.0.1:{port}/v1: the connection was refused" in html


def test_tls_failure(admin_client, team, tmp_path):
    server_context, _ = _tls_contexts("localhost", tmp_path)  # self-signed: nobody trusts it
    server = FakeServer(tls=server_context).start()
    try:
        html = run_test(admin_client, team, provider_at(team, server.url.replace("127.0.0.1", "localhost") + "/v1"))
    finally:
        server.stop()
    assert "TLS failed: the server&#x27;s certificate was not accepted" in html
    assert "self-signed certificate" in html
    assert server.url.replace("127.0.0.1", "localhost") + "/v1" in html


def test_a_refused_key(admin_client, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.error(401, "Incorrect API key", "invalid_api_key"))
    html = run_test(admin_client, team, provider_at(team, fake_server.url + "/v1"))
    assert f"The API key was refused at {fake_server.url}/v1 (HTTP 401)" in html


def test_a_wrong_path(admin_client, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.completion("OK"))
    html = run_test(admin_client, team, provider_at(team, fake_server.url + "/api"))
    assert f"Nothing found at {fake_server.url}/api for model" in html
    assert "(HTTP 404): check the base URL&#x27;s path" in html


def test_a_timeout(admin_client, team, fake_server, monkeypatch):
    monkeypatch.setattr(connection_tests, "TEST_TIMEOUT_SECONDS", 0.3)
    fake_server.route("POST", "/v1/chat/completions", FakeResponse(200, b"{}", delay=3))
    html = run_test(admin_client, team, provider_at(team, fake_server.url + "/v1"))
    assert f"Cannot connect to {fake_server.url}/v1: no answer in time (timed out)" in html
