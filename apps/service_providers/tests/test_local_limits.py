"""The local model's limits as the catalogue states them match how its server runs (issue 13)."""

import pytest

from apps.service_providers import local_llm
from apps.service_providers.llm import catalogue
from apps.service_providers.models import LlmProviderModel


@pytest.mark.django_db
def test_the_catalogue_gives_the_local_model_the_context_its_server_runs_with():
    entry = next(m for m in catalogue.LLM_MODELS if m.type == "local")
    row = LlmProviderModel.objects.get(team=None, type="local")
    assert entry.max_token_limit == row.max_token_limit == local_llm.context_size() == 8192


def test_the_local_server_is_started_with_that_context(monkeypatch, settings, tmp_path):
    from apps.service_providers.local_llm import server

    monkeypatch.setattr(server, "model_path", lambda: tmp_path / "model.gguf")  # not assembled for this
    entry = next(m for m in catalogue.LLM_MODELS if m.type == "local")
    assert server.server_config("gemma", tmp_path / "ready")["context_size"] == entry.max_token_limit
    settings.LOCAL_LLM_CONTEXT_SIZE = 4096  # an operator's own size reaches both
    assert server.server_config("gemma", tmp_path / "ready")["context_size"] == local_llm.context_size() == 4096
