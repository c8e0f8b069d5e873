import pytest

from apps.service_providers import actions
from apps.service_providers.llm import catalogue
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.teams.actions import create_team

pytestmark = pytest.mark.django_db


def test_a_new_team_gets_the_local_model_provider(user):
    team = create_team(creator=user, name="Clinic bots")
    provider = LlmProvider.objects.get(team=team)
    assert (provider.type, provider.name) == ("local", "Local model")


def test_no_local_provider_when_the_local_model_is_off(user, settings):
    settings.LOCAL_LLM_ENABLED = False
    team = create_team(creator=user, name="Cloud only")
    assert not LlmProvider.objects.filter(team=team).exists()


def test_catalogue_sync_updates_rows_and_deprecates_dropped_models(monkeypatch):
    row = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o")
    row.max_token_limit = 1
    row.save()
    LlmProviderModel.objects.create(team=None, type="openai", name="gpt-3-old", max_token_limit=10)

    actions.sync_builtin_catalogue()

    row.refresh_from_db()
    assert row.max_token_limit == 128_000
    assert LlmProviderModel.objects.get(name="gpt-3-old").deprecated
    listed = {(m.type, m.name) for m in catalogue.LLM_MODELS}
    assert listed <= set(LlmProviderModel.objects.filter(team=None).values_list("type", "name"))


def test_catalogue_entries_name_registered_provider_types():
    from apps.service_providers.llm.registry import LLM_PROVIDER_TYPES

    assert {m.type for m in catalogue.LLM_MODELS} <= set(LLM_PROVIDER_TYPES)
    assert {m.type for m in catalogue.EMBEDDING_MODELS} <= {
        slug for slug, provider in LLM_PROVIDER_TYPES.items() if provider.supports_embeddings
    }
