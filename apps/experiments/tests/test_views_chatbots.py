"""Chatbot pages: list, create, settings, share, archive."""

import pytest

from apps.channels.models import ExperimentChannel
from apps.experiments.models import ConsentForm, Experiment, SourceMaterial
from apps.experiments.tests.factories import simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.service_providers.actions import ensure_local_provider
from apps.service_providers.models import LlmProviderModel
from apps.service_providers.tests.factories import LlmProviderFactory, TraceProviderFactory, VoiceProviderFactory
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(team, *parts) -> str:
    return f"/a/{team.slug}/chatbots/" + "".join(f"{part}/" for part in parts)


def llm_fields(chatbot) -> dict:
    """A simple chatbot's Settings also carry its LLM node's prompt, provider and model, unchanged here."""
    params = next(node for node in chatbot.pipeline.data["nodes"] if node["type"] == "llm")["params"]
    return {"prompt": params["prompt"], "provider": params["llm_provider_id"], "model": params["llm_model_id"]}


def test_every_page_renders(admin_client, team, chatbot):
    for path in ["", "new", chatbot.pk, (chatbot.pk, "versions"), (chatbot.pk, "settings"), (chatbot.pk, "share")]:
        parts = path if isinstance(path, tuple) else (path,) if path != "" else ()
        response = admin_client.get(url(team, *parts))
        assert response.status_code == 200, path
        assert "Chatbots" in response.content.decode()


def test_empty_list_and_navigation(admin_client, team):
    html = admin_client.get(url(team)).content.decode()
    assert "No chatbots yet" in html
    assert f'href="/a/{team.slug}/chatbots/new/"' in html
    assert f'href="/a/{team.slug}/chatbots/"' in admin_client.get(f"/a/{team.slug}/").content.decode()


def test_create_a_simple_chatbot_on_the_local_model_by_default(admin_client, team):
    local = ensure_local_provider(team)
    local_model = LlmProviderModel.objects.get(team=None, type="local")
    openai = LlmProviderFactory(team=team, name="OpenAI")
    html = admin_client.get(url(team, "new")).content.decode()
    assert f'<option value="{local.pk}" selected>' in html
    assert f'<option value="{local_model.pk}" selected>' in html
    assert "gpt-4o-mini" not in html  # only the chosen provider's models are offered

    options = admin_client.get(url(team, "new", "models"), {"provider": openai.pk}).content.decode()
    assert "gpt-4o-mini" in options
    assert local_model.name not in options

    gpt = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    response = admin_client.post(
        url(team, "new"), {"name": "Clinic helper", "prompt": "Be kind.", "provider": openai.pk, "model": gpt.pk}
    )
    chatbot = Experiment.objects.get(team=team, name="Clinic helper")
    assert response["Location"] == url(team, chatbot.pk)
    llm = chatbot.pipeline.data["nodes"][1]["params"]
    assert (llm["prompt"], llm["llm_provider_id"], llm["llm_model_id"]) == ("Be kind.", openai.pk, gpt.pk)


def test_create_form_field_errors(admin_client, team, other_team):
    local = ensure_local_provider(team)
    gpt = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    response = admin_client.post(url(team, "new"), {"name": "", "prompt": "", "provider": local.pk, "model": gpt.pk})
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("name", "prompt", "model"):  # a model of another provider type is not accepted
        assert f'data-field-error="{field}"' in html
    foreign = LlmProviderFactory(team=other_team)
    response = admin_client.post(url(team, "new"), {"name": "x", "prompt": "y", "provider": foreign.pk, "model": "x"})
    assert response.status_code == 400
    assert 'data-field-error="provider"' in response.content.decode()
    assert not Experiment.objects.filter(team=team).exists()


def test_create_from_a_pipeline(admin_client, team, other_team):
    pipeline = pipeline_actions.create_pipeline(team=team, name="Router")
    response = admin_client.post(url(team, "new", "pipeline"), {"name": "Routed", "pipeline": pipeline.pk})
    chatbot = Experiment.objects.get(team=team, name="Routed")
    assert response["Location"] == url(team, chatbot.pk)
    assert chatbot.pipeline == pipeline
    foreign = pipeline_actions.create_pipeline(team=other_team, name="Theirs")
    response = admin_client.post(url(team, "new", "pipeline"), {"name": "Stolen", "pipeline": foreign.pk})
    assert response.status_code == 400
    assert 'data-field-error="pipeline"' in response.content.decode()


def test_settings(admin_client, team, chatbot, other_team):
    consent = ConsentForm.objects.create(team=team, name="Consent", consent_text="OK?")
    material = SourceMaterial.objects.create(team=team, topic="FAQ", material="Opens at 9")
    html = admin_client.get(url(team, chatbot.pk, "settings")).content.decode()
    assert f'href="/a/{team.slug}/pipelines/{chatbot.pipeline_id}/"' in html
    data = {
        **llm_fields(chatbot),
        "name": "Renamed",
        "description": "About",
        "seed_message": "Say hi",
        "consent_form": consent.pk,
        "source_material": material.pk,
        "participant_allowlist": " a@example.org\n\nb@example.org \na@example.org",
        "file_uploads_enabled": "on",
    }
    response = admin_client.post(url(team, chatbot.pk, "settings"), data)
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert (chatbot.name, chatbot.seed_message, chatbot.consent_form, chatbot.source_material) == (
        "Renamed",
        "Say hi",
        consent,
        material,
    )
    assert chatbot.participant_allowlist == ["a@example.org", "b@example.org"]
    assert chatbot.file_uploads_enabled
    html = admin_client.get(url(team, chatbot.pk, "settings")).content.decode()
    assert "a@example.org\nb@example.org</textarea>" in html

    theirs = ConsentForm.objects.create(team=other_team, name="Theirs", consent_text="x")
    response = admin_client.post(url(team, chatbot.pk, "settings"), {**data, "name": "", "consent_form": theirs.pk})
    assert response.status_code == 400
    assert 'data-field-error="name"' in response.content.decode()
    assert 'data-field-error="consent_form"' in response.content.decode()


def test_settings_choose_voice_and_trace_providers_of_this_team(admin_client, team, chatbot, other_team):
    voice = VoiceProviderFactory(team=team, name="Our voice")
    tracing = TraceProviderFactory(team=team, name="Our Langfuse")
    VoiceProviderFactory(team=other_team, name="Their voice")
    html = admin_client.get(url(team, chatbot.pk, "settings")).content.decode()
    assert "Our voice" in html
    assert "Our Langfuse" in html
    assert "Their voice" not in html
    data = {
        **llm_fields(chatbot),
        "name": chatbot.name,
        "voice_provider": voice.pk,
        "synthetic_voice": " alloy ",
        "trace_provider": tracing.pk,
    }
    response = admin_client.post(url(team, chatbot.pk, "settings"), data)
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert (chatbot.voice_provider, chatbot.synthetic_voice, chatbot.trace_provider) == (voice, "alloy", tracing)
    html = admin_client.get(url(team, chatbot.pk, "settings")).content.decode()
    assert f'<option value="{tracing.pk}" selected>' in html
    assert 'value="alloy"' in html

    their_voice = VoiceProviderFactory(team=other_team)
    their_tracing = TraceProviderFactory(team=other_team)
    response = admin_client.post(
        url(team, chatbot.pk, "settings"),
        {**data, "voice_provider": their_voice.pk, "trace_provider": their_tracing.pk},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="voice_provider"' in body
    assert 'data-field-error="trace_provider"' in body
    chatbot.refresh_from_db()
    assert (chatbot.voice_provider, chatbot.trace_provider) == (voice, tracing)

    response = admin_client.post(url(team, chatbot.pk, "settings"), {**llm_fields(chatbot), "name": chatbot.name})
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert (chatbot.voice_provider, chatbot.synthetic_voice, chatbot.trace_provider) == (None, "", None)


def test_share_page_links_use_the_requests_host_when_site_url_is_not_set(admin_client, team, chatbot, settings):
    settings.SITE_URL, settings.SITE_URL_IS_SET = "http://localhost:8000", False
    html = admin_client.get(url(team, chatbot.pk, "share"), HTTP_HOST="localhost:8101").content.decode()
    assert f'value="http://localhost:8101/c/{chatbot.public_id}/"' in html
    assert f'href="http://localhost:8101/c/{chatbot.public_id}/"' in html  # the "Open" button
    assert 'api-base-url="http://localhost:8101"' in html
    assert "8000" not in html


def test_share_page_links_use_site_url_when_it_is_set(admin_client, team, chatbot, settings):
    settings.SITE_URL, settings.SITE_URL_IS_SET = "https://bots.example.org", True
    html = admin_client.get(url(team, chatbot.pk, "share"), HTTP_HOST="localhost:8101").content.decode()
    assert f'value="https://bots.example.org/c/{chatbot.public_id}/"' in html
    assert 'api-base-url="https://bots.example.org"' in html
    assert "8101" not in html


def test_share_page_shows_the_public_link_and_widget_code(admin_client, team, chatbot, settings):
    settings.SITE_URL_IS_SET = True
    html = admin_client.get(url(team, chatbot.pk, "share")).content.decode()
    assert f"{settings.SITE_URL}/c/{chatbot.public_id}/" in html
    assert f'chatbot-id="{chatbot.public_id}"' in html
    assert f'api-base-url="{settings.SITE_URL}"' in html
    assert "open-chat-studio-widget.esm.js" in html
    assert "embed-key" not in html
    ExperimentChannel.objects.create(
        team=team,
        experiment=chatbot,
        platform=ExperimentChannel.Platform.EMBEDDED_WIDGET,
        name="Clinic site",
        allowed_origins=["https://clinic.example.org"],
    )
    html = admin_client.get(url(team, chatbot.pk, "share")).content.decode()
    assert f'embed-key="{chatbot.channels.get().embed_key}"' in html
    assert "https://clinic.example.org" in html


def test_archive(admin_client, team, chatbot):
    response = admin_client.post(url(team, chatbot.pk, "archive"))
    assert response["Location"] == url(team)
    assert admin_client.get(url(team, chatbot.pk)).status_code == 404
    assert "No chatbots yet" in admin_client.get(url(team)).content.decode()


def test_roles(client, team, chatbot):
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    html = client.get(url(team, chatbot.pk)).content.decode()
    assert "Settings" not in html
    assert ">Chat</button>" not in html
    assert "Archive" not in html
    assert client.get(url(team, chatbot.pk, "settings")).status_code == 403
    assert client.get(url(team, "new")).status_code == 403
    assert client.post(url(team, chatbot.pk, "archive")).status_code == 403


def test_another_teams_chatbot_is_404(admin_client, team, other_team):
    theirs = simple_chatbot(other_team)
    for parts in [(theirs.pk,), (theirs.pk, "versions"), (theirs.pk, "settings"), (theirs.pk, "share")]:
        assert admin_client.get(url(team, *parts)).status_code == 404
    assert admin_client.post(url(team, theirs.pk, "archive")).status_code == 404


def test_a_prompt_longer_than_the_models_context_is_a_field_error(admin_client, team):
    local = ensure_local_provider(team)
    local_model = LlmProviderModel.objects.get(team=None, type="local")
    prompt = "Answer kindly about the clinic's opening hours. " * 2_250  # ~108,000 characters
    response = admin_client.post(
        url(team, "new"), {"name": "Long", "prompt": prompt, "provider": local.pk, "model": local_model.pk}
    )
    assert response.status_code == 400
    assert 'data-field-error="prompt"' in response.content.decode()
    assert "shorten it" in response.content.decode()
    assert not Experiment.objects.filter(team=team, name="Long").exists()
