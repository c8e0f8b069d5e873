"""The bot runtime: store first, run the pipeline, store the reply; idempotent on message ids."""

import pytest

from apps.chat.models import ChatMessage
from apps.conversations.bot import BotError, ReplyInProgress, respond
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(team):
    return simple_chatbot(team)


@pytest.fixture
def session(chatbot):
    return session_for(chatbot)


def messages(session) -> list[tuple[str, str]]:
    return list(session.chat.messages.values_list("message_type", "content"))


def test_a_reply_is_stored_with_its_trace(session):
    with use_fake_llm("Hello!") as fake:
        reply = respond(session, "Hi")
    assert messages(session) == [("human", "Hi"), ("ai", "Hello!")]
    assert reply.reply.reply_to == reply.human
    assert reply.trace_id is not None
    assert reply.reply.metadata["trace_id"] == reply.trace_id
    assert fake.calls[0][0].text == "You are helpful."
    session.refresh_from_db()
    assert session.last_activity_at is not None


def test_the_conversation_so_far_is_the_history(session):
    with use_fake_llm("one", "two") as fake:
        respond(session, "first")
        respond(session, "second")
    assert [m.text for m in fake.calls[1][1:]] == ["first", "one", "second"]


def test_tokens_stream_to_the_caller(session):
    tokens = []
    with use_fake_llm("streamed reply here"):
        reply = respond(session, "Hi", on_token=tokens.append)
    assert "".join(tokens) == "streamed reply here" == reply.reply.content


def test_a_retried_message_id_does_not_duplicate(session):
    with use_fake_llm("only once") as fake:
        first = respond(session, "Hi", message_id="wamid.1")
        second = respond(session, "Hi", message_id="wamid.1")
    assert second.replayed
    assert second.reply.pk == first.reply.pk
    assert messages(session) == [("human", "Hi"), ("ai", "only once")]
    assert len(fake.calls) == 1


def test_a_failure_keeps_the_message_and_a_retry_answers_it(session):
    failure = errors.AuthenticationFailed("The API key for provider 'X' was rejected")
    with use_fake_llm(failure, "recovered"):
        with pytest.raises(BotError, match="was rejected") as info:
            respond(session, "Hi", message_id="m-1")
        assert info.value.human_message.content == "Hi"
        assert info.value.trace_id is not None
        assert messages(session) == [("human", "Hi")]
        reply = respond(session, "Hi", message_id="m-1")
    assert reply.reply.content == "recovered"
    assert messages(session) == [("human", "Hi"), ("ai", "recovered")]


def test_a_message_being_answered_elsewhere_is_not_answered_twice(session):
    from datetime import timedelta

    from django.utils import timezone

    from apps.chat.models import ClaimOwner

    elsewhere = ClaimOwner.objects.create(expires_at=timezone.now() + timedelta(hours=1))
    human = ChatMessage.objects.create(
        team=session.team,
        chat=session.chat,
        message_type="human",
        content="Hi",
        external_id="m-2",
        claimed_by=elsewhere.pk,
        processing_started_at=timezone.now(),
    )
    with pytest.raises(ReplyInProgress):
        respond(session, "Hi", message_id="m-2")
    assert not hasattr(human, "reply")


def test_state_changes_and_end_of_session(team, chatbot):
    llm_params = {**simple_llm_params(chatbot), "tools": ["end_session"]}
    graph = linear(
        node("json", "render_template", template_string='{"stage": "done"}'),
        node("save", "update_participant_data"),
    )
    pipeline = chatbot.pipeline
    pipeline_actions.save_pipeline_data(
        pipeline=pipeline, data=graph.to_dict(), expected_revision=pipeline.edit_revision
    )
    session = session_for(chatbot)
    respond(session, "hi")
    from apps.experiments.sessions import participant_data_for

    assert participant_data_for(session).data == {"stage": "done"}

    tool_call = {"name": "end_session", "args": {}, "id": "c1"}
    from langchain_core.messages import AIMessage

    pipeline.refresh_from_db()
    pipeline_actions.save_pipeline_data(
        pipeline=pipeline,
        data=linear(node("llm", "llm", **llm_params)).to_dict(),
        expected_revision=pipeline.edit_revision,
    )
    with use_fake_llm(AIMessage(content="", tool_calls=[tool_call]), "Goodbye"):
        reply = respond(session, "bye")
    assert reply.session_ended
    session.refresh_from_db()
    assert session.status == ExperimentSession.Status.COMPLETE
    with pytest.raises(BotError, match="has ended"):
        respond(session, "hello again")


def simple_llm_params(chatbot) -> dict:
    llm = next(n for n in chatbot.pipeline.data["nodes"] if n["type"] == "llm")
    return {key: llm["params"][key] for key in ("llm_provider_id", "llm_model_id")}


def test_a_message_takes_a_bounded_number_of_queries(session, django_assert_max_num_queries):
    """A guard on the message path's cost: store (claimed), participant data, history, usage and
    trace (both written off the request path in production, inline in tests), the reply with the
    session's activity times (one statement when the run changed no state), and now and then a
    block of trace ids. The served version, its pipeline, the provider and the model come from the
    team's configuration cache."""

    def as_a_request_loads_it():
        return ExperimentSession.objects.select_related("team", "experiment", "participant").get(pk=session.pk)

    with use_fake_llm("first", "second", "third"):
        respond(session, "warm up")  # first message: participant data row, compiled graph
        respond(as_a_request_loads_it(), "fills the configuration cache for the team's current revision")
        with django_assert_max_num_queries(8):
            respond(as_a_request_loads_it(), "Hi")


def test_edits_made_while_the_bot_answers_are_kept(team, chatbot, monkeypatch):
    """The API (tags, state) or a team member (participant data) may change a session while a reply
    is being made: the reply writes only what its run changed."""
    from langchain_core.messages import AIMessage

    from apps.conversations import bot
    from apps.experiments import sessions
    from apps.participants.models import ParticipantData

    llm_params = {**simple_llm_params(chatbot), "tools": ["set_session_state", "update_participant_data"]}
    pipeline = chatbot.pipeline
    pipeline_actions.save_pipeline_data(
        pipeline=pipeline, data=linear(node("llm", "llm", **llm_params)).to_dict(), expected_revision=1
    )
    session = session_for(chatbot)
    sessions.update_session_state(session=session, state={"kept": 1, "stage": "one"})
    sessions.participant_data_for(session)
    ParticipantData.objects.filter(experiment=chatbot).update(data={"name": "Ama"})
    real_run = bot.run_pipeline

    def run_while_others_edit(*args, **kwargs):
        other = ExperimentSession.objects.get(pk=session.pk)  # another request's copy
        sessions.add_session_tags(session=other, tags=["flagged"])
        sessions.update_session_state(session=other, state={"from_api": True})
        data = ParticipantData.objects.get(experiment=chatbot)
        data.data = {**data.data, "phone": "+27"}
        data.save()
        return real_run(*args, **kwargs)

    monkeypatch.setattr(bot, "run_pipeline", run_while_others_edit)
    calls = [
        {"name": "set_session_state", "args": {"key": "stage", "value": "two"}, "id": "a"},
        {"name": "update_participant_data", "args": {"key": "age", "value": 7}, "id": "b"},
    ]
    with use_fake_llm(AIMessage(content="", tool_calls=calls), "Noted"):
        respond(session, "I am seven")
    session.refresh_from_db()
    assert session.state == {"kept": 1, "stage": "two", "from_api": True}
    assert session.tags == ["flagged"]
    assert ParticipantData.objects.get(experiment=chatbot).data == {"name": "Ama", "phone": "+27", "age": 7}


def test_participant_data_read_with_the_session_needs_no_query_of_its_own(session, django_assert_num_queries):
    from apps.experiments.selectors import session_with_participant
    from apps.experiments.sessions import participant_data_for
    from apps.participants.models import ParticipantData

    def load():
        return session_with_participant(session.team_id, session.public_id, session.experiment_id)

    assert load().loaded_participant_data_id is None  # no row yet: made on first use
    row = participant_data_for(load())
    ParticipantData.objects.filter(pk=row.pk).update(data={"name": "Ana"})
    loaded = load()
    with django_assert_num_queries(0):
        data = participant_data_for(loaded)
    assert (data.pk, data.data, data.participant_id) == (row.pk, {"name": "Ana"}, session.participant_id)
    with use_fake_llm("Hi Ana"):
        respond(loaded, "hello")  # the row read with the session is the one the reply updates
