"""A simple chatbot's prompt, provider and model on its Settings tab; other pipelines link to the builder."""

import pytest

from apps.experiments.tests.factories import simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers.models import LlmProviderModel
from apps.service_providers.tests.factories import LlmProviderFactory

pytestmark = pytest.mark.django_db


def settings_url(team, chatbot) -> str:
    return f"/a/{team.slug}/chatbots/{chatbot.pk}/settings/"


def llm_params(chatbot) -> dict:
    chatbot.pipeline.refresh_from_db()
    return next(n for n in chatbot.pipeline.data["nodes"] if n["type"] == "llm")["params"]


def test_a_simple_chatbots_prompt_and_model_are_edited_on_settings(admin_client, team):
    chatbot = simple_chatbot(team, prompt="You are helpful.")
    other = LlmProviderFactory(team=team, name="Second OpenAI")
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o")
    html = admin_client.get(settings_url(team, chatbot)).content.decode()
    assert "You are helpful.</textarea>" in html
    assert 'name="provider"' in html
    assert 'name="model"' in html
    revision = chatbot.pipeline.edit_revision

    data = {"name": chatbot.name, "prompt": "You answer in French.", "provider": other.pk, "model": model.pk}
    response = admin_client.post(settings_url(team, chatbot), data)

    assert response.status_code == 302
    params = llm_params(chatbot)
    assert (params["prompt"], params["llm_provider_id"], params["llm_model_id"]) == (
        "You answer in French.",
        other.pk,
        model.pk,
    )
    assert chatbot.pipeline.edit_revision == revision + 1  # a save of the working copy, like the builder's
    html = admin_client.get(settings_url(team, chatbot)).content.decode()
    assert "You answer in French.</textarea>" in html
    assert f'<option value="{model.pk}" selected>' in html


def test_another_teams_provider_or_a_missing_prompt_is_a_400_naming_the_field(admin_client, team, other_team):
    chatbot = simple_chatbot(team)
    theirs = LlmProviderFactory(team=other_team)
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o")
    before = llm_params(chatbot)
    response = admin_client.post(
        settings_url(team, chatbot), {"name": chatbot.name, "prompt": "", "provider": theirs.pk, "model": model.pk}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="provider"' in body
    assert 'data-field-error="prompt"' in body
    assert llm_params(chatbot) == before


def test_a_longer_pipeline_links_to_the_builder_instead(admin_client, team):
    chatbot = simple_chatbot(team)
    graph = linear(node("t", "render_template", template_string="{{ input }}"))
    pipeline_actions.save_pipeline_data(
        pipeline=chatbot.pipeline, data=graph.to_dict(), expected_revision=chatbot.pipeline.edit_revision
    )
    html = admin_client.get(settings_url(team, chatbot)).content.decode()
    assert 'data-testid="llm-in-builder"' in html
    assert 'name="prompt"' not in html
    response = admin_client.post(settings_url(team, chatbot), {"name": "Renamed"})
    assert response.status_code == 302
