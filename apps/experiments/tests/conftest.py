import pytest

from apps.experiments.tests.factories import simple_chatbot


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)
