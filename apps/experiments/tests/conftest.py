import pytest

from apps.utils.factories.experiments import simple_chatbot


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)
