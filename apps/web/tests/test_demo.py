import pytest
from rest_framework.test import APIClient

from apps.experiments.models import Experiment
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.web import demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "CREDENTIALS_FILE", tmp_path / "demo-credentials.txt")
    monkeypatch.setattr(demo, "API_KEY_FILE", tmp_path / "demo-api-key.txt")


def test_demo_chatbot_on_the_local_model_with_an_api_key():
    email, password, team = demo.ensure_demo_data()
    bot = demo.ensure_demo_chatbot(team)
    assert bot.chatbot.pipeline.data["nodes"][1]["type"] == "llm"
    assert bot.chatbot.pipeline.graph.nodes[1].params["llm_provider_id"] == team.llmprovider_set.get(type="local").pk
    again = demo.ensure_demo_chatbot(team)
    assert (again.chatbot, again.api_key) == (bot.chatbot, bot.api_key)
    assert Experiment.objects.filter(team=team).count() == 1

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=bot.api_key)
    with use_fake_llm("Hello from the demo"):
        response = client.post(
            f"/channels/api/{bot.chatbot.public_id}/incoming_message", {"message": "Hi"}, format="json"
        )
    assert response.json()["response"] == "Hello from the demo"


def test_no_demo_chatbot_without_the_local_model(settings):
    settings.LOCAL_LLM_ENABLED = False
    _, _, team = demo.ensure_demo_data()
    assert demo.ensure_demo_chatbot(team) is None


def test_the_demo_chatbot_and_the_new_chatbot_page_say_the_local_model_is_a_tiny_offline_one(admin_client, team):
    bot = demo.ensure_demo_chatbot(team)
    page = admin_client.get(f"/a/{team.slug}/chatbots/{bot.chatbot.pk}/").content.decode()
    assert "tiny offline model" in page
    assert "AI providers" in page
    new = admin_client.get(f"/a/{team.slug}/chatbots/new/").content.decode()
    assert 'data-testid="local-model-note"' in new
    assert f'href="/a/{team.slug}/providers/"' in new
