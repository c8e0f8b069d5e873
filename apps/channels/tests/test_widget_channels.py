import pytest

from apps.channels.models import ExperimentChannel
from apps.experiments.tests.factories import simple_chatbot

pytestmark = pytest.mark.django_db


def test_add_and_remove_a_widget_channel(admin_client, team):
    chatbot = simple_chatbot(team)
    base = f"/a/{team.slug}/chatbots/{chatbot.pk}"
    admin_client.post(
        f"{base}/channels/widget/", {"name": "Clinic site", "allowed_origins": "https://Clinic.example.org/\n"}
    )
    channel = ExperimentChannel.objects.get(experiment=chatbot)
    assert channel.allowed_origins == ["https://clinic.example.org"]
    share = admin_client.get(f"{base}/share/").content.decode()
    assert channel.embed_key in share
    admin_client.post(f"{base}/channels/{channel.pk}/delete/")
    assert not ExperimentChannel.objects.exists()


def test_bad_origins_are_refused(admin_client, team):
    chatbot = simple_chatbot(team)
    response = admin_client.post(
        f"/a/{team.slug}/chatbots/{chatbot.pk}/channels/widget/",
        {"name": "x", "allowed_origins": "example.org/path"},
        follow=True,
    )
    assert "is not an origin" in response.content.decode()
    assert not ExperimentChannel.objects.exists()
