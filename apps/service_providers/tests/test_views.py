"""Provider settings pages: add, edit (secrets never shown back), test connection, delete, permissions."""

import pytest

from apps.service_providers.models import LlmProvider, LlmProviderModel, LlmUsage
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.service_providers.usages import register_usage_finder, unregister_usage_finder
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(team, *parts) -> str:
    return f"/a/{team.slug}/providers/" + "".join(f"{part}/" for part in parts)


def test_add_an_openai_provider(admin_client, team):
    response = admin_client.post(
        url(team, "llm", "new") + "?type=openai",
        {"name": "OpenAI prod", "api_key": "sk-live-123", "base_url": "", "organization": ""},
    )
    provider = LlmProvider.objects.get(team=team)
    assert response.status_code == 302
    assert response["Location"] == url(team, "llm", provider.pk)
    assert (provider.name, provider.type, provider.config["api_key"]) == ("OpenAI prod", "openai", "sk-live-123")


def test_type_choice_page_lists_every_type(admin_client, team):
    content = admin_client.get(url(team, "llm", "new")).content.decode()
    for label in [
        "OpenAI",
        "Azure OpenAI",
        "Anthropic",
        "Google Gemini",
        "DeepSeek",
        "Groq",
        "OpenAI-compatible",
        "Local model",
    ]:
        assert label in content


def test_missing_and_malformed_fields_are_field_errors(admin_client, team):
    response = admin_client.post(url(team, "llm", "new") + "?type=openai", {"name": "", "api_key": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "api_key"}

    response = admin_client.post(
        url(team, "messaging", "new") + "?type=twilio", {"name": "Twilio", "account_sid": "nope", "auth_token": "t"}
    )
    assert response.status_code == 400
    assert "account_sid" in response.context["form"].errors


def test_duplicate_name_is_a_field_error(admin_client, team):
    LlmProviderFactory(team=team, name="Main")
    response = admin_client.post(url(team, "llm", "new") + "?type=openai", {"name": "Main", "api_key": "k"})
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["name"][0]


def test_secrets_are_never_rendered_back_and_blank_keeps_them(admin_client, team):
    provider = LlmProviderFactory(
        team=team, config={"api_key": "sk-secret-999", "base_url": "", "organization": "org-1"}
    )
    page = admin_client.get(url(team, "llm", provider.pk)).content.decode()
    assert "sk-secret-999" not in page
    assert "org-1" in page  # non-secret settings are shown
    assert "Leave empty to keep the current value" in page

    response = admin_client.post(
        url(team, "llm", provider.pk), {"name": "Renamed", "api_key": "", "organization": "org-2"}
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Renamed"
    assert provider.config["api_key"] == "sk-secret-999"
    assert provider.config["organization"] == "org-2"


def test_test_connection_shows_the_reply(admin_client, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.completion("OK"))
    provider = LlmProviderFactory(team=team, config={"api_key": "sk-1", "base_url": fake_server.url + "/v1"})
    response = admin_client.post(url(team, "llm", provider.pk, "test"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-success" in html
    assert "OK" in html
    assert LlmUsage.objects.get().source == "test"


def test_test_connection_shows_a_clear_failure(admin_client, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.error(401, "Incorrect API key", "invalid_api_key"))
    provider = LlmProviderFactory(
        team=team, name="Bad key", config={"api_key": "sk-x", "base_url": fake_server.url + "/v1"}
    )
    response = admin_client.post(url(team, "llm", provider.pk, "test"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "alert-error" in html
    assert "The API key for provider &#x27;Bad key&#x27; was rejected" in html
    assert "Traceback" not in html


def test_delete_is_refused_while_in_use(admin_client, team):
    provider = LlmProviderFactory(team=team, name="In use")

    def finder(candidate):
        return ["pipeline “Triage bot”"] if candidate.pk == provider.pk else []

    register_usage_finder("llm", finder)
    try:
        response = admin_client.post(url(team, "llm", provider.pk, "delete"), follow=True)
    finally:
        unregister_usage_finder("llm", finder)
    assert LlmProvider.objects.filter(pk=provider.pk).exists()
    assert "Used by: pipeline “Triage bot”" in response.content.decode()

    admin_client.post(url(team, "llm", provider.pk, "delete"))
    assert not LlmProvider.objects.filter(pk=provider.pk).exists()


def test_roles_without_provider_permissions_are_refused(client, team):
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    assert client.get(url(team)).status_code == 403


def test_team_models_can_be_added_and_built_in_ones_cannot_be_edited(admin_client, team, other_team):
    response = admin_client.post(
        url(team, "models", "new"),
        {
            "type": "openai_compatible",
            "name": "llama3.2:3b",
            "max_token_limit": 8192,
            "parameters": ["temperature", "max_tokens"],
            "supports_tools": "on",
            "input_price_per_million": "0",
            "output_price_per_million": "0",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    model = LlmProviderModel.objects.get(team=team)
    assert model.parameters == ["temperature", "max_tokens"]
    assert "llama3.2:3b" in admin_client.get(url(team, "models")).content.decode()

    builtin = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o")
    assert admin_client.get(url(team, "models", builtin.pk)).status_code == 404
    other_model = LlmProviderModel.objects.create(team=other_team, type="openai", name="ft:x", max_token_limit=10)
    assert admin_client.get(url(team, "models", other_model.pk)).status_code == 404


def test_invalid_team_model_is_a_field_error(admin_client, team):
    response = admin_client.post(url(team, "models", "new"), {"type": "openai", "name": "", "max_token_limit": "0"})
    assert response.status_code == 400
    assert {"name", "max_token_limit"} <= set(response.context["form"].errors)


def test_every_provider_page_renders(admin_client, team):
    provider = LlmProviderFactory(team=team)
    for path in [url(team), url(team, "models"), url(team, "usage"), url(team, "llm", provider.pk)]:
        assert admin_client.get(path).status_code == 200, path
    for kind in ["llm", "voice", "messaging", "auth", "tracing"]:
        assert admin_client.get(url(team, kind, "new")).status_code == 200, kind
    assert admin_client.get(url(team, "nonsense", "new")).status_code == 404


def test_add_and_test_a_voice_provider(admin_client, team, fake_server):
    from apps.service_providers.models import VoiceProvider
    from apps.service_providers.tests.fake_http import FakeResponse

    fake_server.route("GET", "/v1/models", FakeResponse(body=[{"model_id": "eleven_multilingual_v2"}]))
    response = admin_client.post(
        url(team, "voice", "new") + "?type=elevenlabs",
        {"name": "Voices", "api_key": "xi-key", "base_url": fake_server.url, "speech_model": "eleven_multilingual_v2"},
    )
    assert response.status_code == 302, response.context["form"].errors
    provider = VoiceProvider.objects.get(team=team)
    result = admin_client.post(url(team, "voice", provider.pk, "test"), HTTP_HX_REQUEST="true").content.decode()
    assert "alert-success" in result
    assert "eleven_multilingual_v2 is available" in result
    assert fake_server.requests[0].headers["xi-api-key"] == "xi-key"


def test_settings_that_cannot_be_tested_say_so(admin_client, team):
    from apps.service_providers.models import MessagingProvider

    provider = MessagingProvider.objects.create(team=team, type="slack", name="Slack", config={"bot_token": "xoxb-1"})
    page = admin_client.get(url(team, "messaging", provider.pk)).content.decode()
    assert "Test connection" not in page
