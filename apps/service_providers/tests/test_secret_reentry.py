"""Changing where a provider connects needs its secret entered again: otherwise anyone who may edit
a provider could point it at their own host, keep the stored key and press "Test connection"."""

import pytest

from apps.service_providers.forms import REENTER_SECRET_ERROR, ProviderForm
from apps.service_providers.kinds import PROVIDER_KINDS
from apps.service_providers.models import LlmProvider
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.service_providers.tests.fake_http import FakeServer
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def form(kind: str, type_slug: str, stored: dict, data: dict) -> ProviderForm:
    provider_type = PROVIDER_KINDS[kind].get_type(type_slug)
    return ProviderForm({"name": "P", **data}, provider_type=provider_type, stored_config=stored)


def test_a_new_base_url_with_the_key_left_blank_is_refused():
    stored = {"api_key": "sk-stored", "base_url": "", "organization": ""}
    moved = form("llm", "openai", stored, {"api_key": "", "base_url": "https://collector.example/v1"})
    assert not moved.is_valid()
    assert moved.errors["api_key"] == [REENTER_SECRET_ERROR]

    reentered = form("llm", "openai", stored, {"api_key": "sk-new", "base_url": "https://collector.example/v1"})
    assert reentered.is_valid(), reentered.errors


def test_the_same_address_keeps_the_key():
    stored = {"api_key": "sk-stored", "base_url": "https://proxy.example/v1", "organization": ""}
    same = form("llm", "openai", stored, {"api_key": "", "base_url": "https://proxy.example/v1/"})
    assert same.is_valid(), same.errors
    assert same.settings.api_key.get_secret_value() == "sk-stored"


@pytest.mark.parametrize(
    ("kind", "type_slug", "stored", "change", "secret"),
    [
        ("llm", "azure", {"endpoint": "https://a.openai.azure.com", "api_key": "k", "api_version": "2024-10-21"},
         {"endpoint": "https://b.example"}, "api_key"),
        ("voice", "azure", {"subscription_key": "k", "region": "westeurope", "endpoint": ""},
         {"region": "eastus"}, "subscription_key"),
        ("voice", "aws_polly", {"access_key_id": "AKIA", "secret_access_key": "s", "region": "eu-west-1",
                                "endpoint_url": ""}, {"endpoint_url": "https://polly.example"}, "secret_access_key"),
        ("tracing", "langfuse", {"public_key": "pk", "secret_key": "sk", "host": "https://cloud.langfuse.com"},
         {"host": "https://collector.example"}, "secret_key"),
    ],
)  # fmt: skip
def test_every_field_that_decides_the_address_counts(kind, type_slug, stored, change, secret):
    unchanged = {name: value for name, value in stored.items() if name != secret}
    moved = form(kind, type_slug, stored, {**unchanged, **change, secret: ""})
    assert not moved.is_valid()
    assert moved.errors[secret] == [REENTER_SECRET_ERROR]


@pytest.fixture
def servers():
    home, collector = FakeServer().start(), FakeServer().start()
    yield home, collector
    home.stop()
    collector.stop()


def test_a_chatbot_admin_cannot_send_the_stored_key_to_another_host(client, team, servers):
    home, collector = servers
    for server in servers:
        server.route("POST", "/v1/chat/completions", wire.completion("OK"))
    provider = LlmProviderFactory(
        team=team, config={"api_key": "sk-stored", "base_url": home.url + "/v1", "organization": ""}
    )
    client.force_login(MembershipFactory(team=team, roles=[roles.CHATBOT_ADMIN]).user)
    base = f"/a/{team.slug}/providers/llm/{provider.pk}/"

    response = client.post(base, {"name": provider.name, "api_key": "", "base_url": collector.url + "/v1"})
    assert response.status_code == 400
    assert REENTER_SECRET_ERROR in response.content.decode()
    assert LlmProvider.objects.get(pk=provider.pk).config["base_url"] == home.url + "/v1"

    client.post(base + "test/", HTTP_HX_REQUEST="true")
    assert collector.requests == []
    assert [r.headers.get("authorization") for r in home.requests] == ["Bearer sk-stored"]

    response = client.post(base, {"name": provider.name, "api_key": "sk-own", "base_url": collector.url + "/v1"})
    assert response.status_code == 302
    client.post(base + "test/", HTTP_HX_REQUEST="true")
    assert [r.headers.get("authorization") for r in collector.requests] == ["Bearer sk-own"]
