"""The write actions refuse what PostgreSQL cannot store, whichever edge calls them (the edges refuse
it first, with a 400 naming the field): a backstop, so no write path reaches the database with it."""

import pytest

from apps.experiments import actions
from apps.experiments.sessions import add_messages, add_session_tags, start_session, update_session_state
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.participants.actions import set_participant_data
from apps.pipelines import actions as pipeline_actions
from apps.utils.storable import Unstorable

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)


def test_session_writes_refuse_unstorable_values(chatbot):
    session = session_for(chatbot)
    writes = [
        (lambda: add_messages(session=session, messages=[("human", "ok"), ("ai", "x\x00")]), "messages[1].content"),
        (lambda: add_session_tags(session=session, tags=["a\ud800"]), "tags[0]"),
        (lambda: update_session_state(session=session, state={"k": ["\x00"]}), "state.k[0]"),
        (
            lambda: start_session(experiment=chatbot, participant=session.participant, state={"x": float("nan")}),
            "state.x",
        ),
        (
            lambda: set_participant_data(participant=session.participant, chatbot=chatbot, data={"a": "\ud800"}),
            "data.a",
        ),
    ]
    for write, field in writes:
        with pytest.raises(Unstorable) as info:
            write()
        assert info.value.field == field
    session.refresh_from_db()
    assert (session.tags, session.state) == ([], {})


def test_descriptions_and_graphs_refuse_unstorable_text(chatbot):
    with pytest.raises(Unstorable):
        actions.create_chatbot_version(experiment=chatbot, description="v\x00")
    with pytest.raises(Unstorable):
        pipeline_actions.create_pipeline_version(pipeline=chatbot.pipeline, description="v\ud800")
    data = {**chatbot.pipeline.data, "nodes": [{**chatbot.pipeline.data["nodes"][0], "name": "s\x00"}]}
    with pytest.raises(Unstorable) as info:
        pipeline_actions.save_pipeline_data(pipeline=chatbot.pipeline, data=data, expected_revision=1)
    assert info.value.field == "data.nodes[0].name"
    assert not chatbot.versions.exists()
