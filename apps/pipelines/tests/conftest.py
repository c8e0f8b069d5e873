import pytest

from apps.pipelines.runtime.repository import InMemoryRepository
from apps.service_providers.testing.fake_llm import FakeChatModel


@pytest.fixture
def fake_model():
    return FakeChatModel()


@pytest.fixture
def repo(fake_model):
    """An in-memory repository whose every chat model is `fake_model` (script it per test)."""
    return InMemoryRepository(chat_model_factory=lambda provider_id, model_id, options: fake_model)
