import pytest
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.utils.factories.experiments import simple_chatbot


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
