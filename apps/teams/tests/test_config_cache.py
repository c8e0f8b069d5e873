"""The configuration cache: unchanged configuration is read once; any change is seen by the next
request (which reads its team row); a change made in this process is seen at once."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from apps.api.chatbot_access import chatbot_for
from apps.experiments import actions, selectors
from apps.experiments.models import Experiment
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.models import Pipeline
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.teams.config_cache import cached_config
from apps.teams.models import Team
from apps.teams.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)


def llm_ids(chatbot) -> tuple[int, int]:
    llm = next(n for n in chatbot.pipeline.data["nodes"] if n["type"] == "llm")
    return llm["params"]["llm_provider_id"], llm["params"]["llm_model_id"]


def fresh(team) -> Team:
    """The team row as the next request reads it."""
    return Team.objects.get(pk=team.pk)


def test_unchanged_configuration_is_read_once_and_handed_out_as_copies(team):
    loads = []

    def load():
        loads.append(1)
        return {"prompt": "Be brief."}

    first = cached_config(team, ("example",), load)
    first["prompt"] = "changed by a caller"
    assert cached_config(fresh(team), ("example",), load) == {"prompt": "Be brief."}
    assert len(loads) == 1


def test_the_served_version_comes_from_the_cache_until_a_version_is_published(chatbot, django_assert_num_queries):
    session = session_for(chatbot)
    team = fresh(chatbot.team)
    session.team = session.experiment.team = team
    assert selectors.served_version(session) == chatbot  # nothing published: the working copy
    with django_assert_num_queries(0):
        served = selectors.served_version(session)
        assert served.pipeline.graph is not None
        assert served.source_material is None
    version = actions.create_chatbot_version(experiment=chatbot, publish=True)
    # Published in this process: seen at once, even through the team row read before the change.
    assert selectors.served_version(session) == version
    session.version_number = version.version_number
    assert selectors.served_version(session).version_number == version.version_number


def test_a_change_from_another_process_is_seen_by_the_next_request(chatbot):
    team = fresh(chatbot.team)
    provider_id, model_id = llm_ids(chatbot)
    assert OrmRepository(team).llm_choice_exists(provider_id, model_id)
    # Another web node deletes the provider: its rows and the team's revision change, and nothing
    # in this process hears of it.
    with connection.cursor() as cursor:  # SQL, so no signal tells this process's cache
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(LlmProvider._meta.db_table)} WHERE id = %s", [provider_id]
        )
    Team.objects.filter(pk=team.pk).update(config_revision=F("config_revision") + 1)
    assert OrmRepository(team).llm_choice_exists(provider_id, model_id)  # the row this request read
    assert not OrmRepository(fresh(team)).llm_choice_exists(provider_id, model_id)  # the next request


def test_saving_a_provider_reaches_the_next_run(chatbot):
    provider_id, model_id = llm_ids(chatbot)
    team = fresh(chatbot.team)
    assert OrmRepository(team).llm_choice_exists(provider_id, model_id)
    LlmProvider.objects.get(pk=provider_id).delete()
    assert not OrmRepository(team).llm_choice_exists(provider_id, model_id)


def test_a_built_in_model_change_reaches_every_team(chatbot):
    other = TeamFactory()
    _, model_id = llm_ids(chatbot)
    repositories = [OrmRepository(fresh(chatbot.team)), OrmRepository(fresh(other))]
    limits = {repository.model_token_limit(model_id) for repository in repositories}
    model = LlmProviderModel.objects.get(pk=model_id)
    assert model.team_id is None
    assert limits == {model.max_token_limit}
    model.max_token_limit = 4321
    model.save()
    assert {OrmRepository(fresh(team)).model_token_limit(model_id) for team in (chatbot.team, other)} == {4321}


def test_an_archived_chatbot_is_gone_from_the_api_at_once(chatbot):
    team = fresh(chatbot.team)
    assert chatbot_for(team, chatbot.public_id) == chatbot
    actions.archive_chatbot(experiment=chatbot)
    with pytest.raises(Exception, match="No such chatbot"):
        chatbot_for(team, chatbot.public_id)


def test_one_teams_entries_are_not_anothers(chatbot):
    ours, theirs = fresh(chatbot.team), fresh(TeamFactory())
    assert (ours.config_revision, theirs.config_revision) == (0, 0)  # bumps wait for a commit here
    assert cached_config(ours, ("same-key",), lambda: "ours") == "ours"
    assert cached_config(theirs, ("same-key",), lambda: "theirs") == "theirs"
    assert chatbot_for(ours, chatbot.public_id) == chatbot
    with pytest.raises(Exception, match="No such chatbot"):
        chatbot_for(theirs, chatbot.public_id)


@pytest.mark.django_db(transaction=True)
def test_the_revision_moves_when_the_change_commits():
    chatbot = simple_chatbot(TeamFactory())
    provider = LlmProvider.objects.get(pk=llm_ids(chatbot)[0])
    before = fresh(chatbot.team).config_revision
    with transaction.atomic():
        provider.name = "Renamed"
        provider.save()
        assert fresh(chatbot.team).config_revision == before  # the team row is not locked meanwhile
    assert fresh(chatbot.team).config_revision == before + 1
    chatbot.team.name = "A team saved with the revision it was read with"
    chatbot.team.save()
    assert fresh(chatbot.team).config_revision == before + 1  # never put back


@pytest.mark.django_db(transaction=True)
def test_creating_a_version_while_the_builder_saves_does_not_deadlock(monkeypatch):
    """Both write several configuration rows of one team in their own order; the revision bump must
    not make the team row a lock they both need."""
    chatbot = simple_chatbot(TeamFactory())
    real_create_version, versioning_started = Pipeline.create_version, threading.Event()

    def slow_create_version(self, *args, **kwargs):
        versioning_started.set()  # the chatbot's version row is saved; the pipeline's is next
        time.sleep(0.5)  # the builder saves the pipeline meanwhile
        return real_create_version(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "create_version", slow_create_version)
    errors: dict[str, str] = {}

    def create_version():
        try:
            actions.create_chatbot_version(experiment=Experiment.objects.get(pk=chatbot.pk))
        except Exception as error:  # noqa: BLE001 - reported below
            errors["version"] = repr(error)
        finally:
            connection.close()

    def builder_save():
        versioning_started.wait(5)
        pipeline = Pipeline.objects.get(pk=chatbot.pipeline_id)
        try:
            pipeline_actions.save_pipeline_data(
                pipeline=pipeline, data=pipeline.data, expected_revision=pipeline.edit_revision
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors["builder"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_version), threading.Thread(target=builder_save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == {}
