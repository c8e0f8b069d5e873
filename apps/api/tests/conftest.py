import pytest
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.experiments.tests.factories import simple_chatbot


@pytest.fixture
def api_key(team, admin_user):
    return create_api_key(team=team, name="tests", created_by=admin_user)[1]


@pytest.fixture
def api(api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)


@pytest.fixture
def widget(team, chatbot):
    """An embedded-widget channel of a chatbot that takes file uploads."""
    from apps.api.tests.test_widget_api import ORIGIN
    from apps.channels.models import ExperimentChannel

    chatbot.file_uploads_enabled = True
    chatbot.save()
    return ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=[ORIGIN]
    )
