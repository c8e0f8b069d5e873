"""Prepared queries give what their queryset gives, compile once, and refuse what they cannot do."""

import uuid

import pytest
from django.db.models import F

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession
from apps.experiments.sessions import with_participant_data
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.participants.models import ParticipantData
from apps.utils.prepared import PreparedQuery, PreparedQueryError


def sessions(team_id, public_id):
    queryset = ExperimentSession.objects.filter(team_id=team_id, public_id=public_id)
    return with_participant_data(queryset).select_related("participant", "experiment").order_by("pk")


@pytest.fixture
def session(team):
    session = session_for(simple_chatbot(team))
    ParticipantData.objects.create(
        team=team, participant=session.participant, experiment=session.experiment, data={"name": "Ama"}
    )
    return session


@pytest.mark.django_db
def test_instances_match_the_querysets_with_related_rows_and_annotations(session, django_assert_num_queries):
    prepared = PreparedQuery(sessions, team_id=int, public_id=uuid.UUID)
    expected = sessions(session.team_id, session.public_id).get()
    with django_assert_num_queries(1):
        found = prepared.first(team_id=session.team_id, public_id=str(session.public_id))  # converted to a UUID
        assert found is not None
        # select_related rows and annotations are there, decrypted, with no query of their own
        assert found.participant.identifier == expected.participant.identifier
        assert found.experiment.public_id == expected.experiment.public_id
        assert found.loaded_participant_data == {"name": "Ama"}
    for field in ExperimentSession._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert not found._state.adding
    found.save(update_fields=["state"])  # a loaded instance, like any other


@pytest.mark.django_db
def test_each_call_uses_its_own_values_and_the_sql_is_built_once(session, other_team):
    built = []

    def build(team_id, public_id):
        built.append(1)
        return sessions(team_id, public_id)

    prepared = PreparedQuery(build, team_id=int, public_id=uuid.UUID)
    assert prepared.first(team_id=session.team_id, public_id=session.public_id).pk == session.pk
    assert prepared.first(team_id=other_team.pk, public_id=session.public_id) is None  # another team's id
    assert prepared.all(team_id=session.team_id, public_id=uuid.uuid4()) == []
    assert len(built) == 2  # twice when first used (the SQL must not depend on the values), never again
    with pytest.raises(ValueError, match="badly formed"):
        prepared.first(team_id=session.team_id, public_id="not-a-uuid")


@pytest.mark.django_db
def test_values_list_rows_with_slicing_and_ordering(session):
    for number in range(5):
        ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="human", content=f"m{number}")
    newest = ChatMessage.objects.filter(chat=session.chat).order_by("-id")
    rows = PreparedQuery(
        lambda chat_id: newest.filter(chat_id=chat_id).values_list("content", "message_type")[:3], chat_id=int
    )
    assert rows.all(chat_id=session.chat_id) == [("m4", "human"), ("m3", "human"), ("m2", "human")]
    flat = PreparedQuery(lambda chat_id: newest.filter(chat_id=chat_id).values_list("id", flat=True), chat_id=int)
    assert flat.all(chat_id=session.chat_id) == list(newest.values_list("id", flat=True))


@pytest.mark.django_db
def test_queries_it_cannot_reproduce_are_refused_at_first_use(session):
    wrapped = PreparedQuery(lambda text: ChatMessage.objects.filter(content__contains=text), text=str)
    with pytest.raises(PreparedQueryError, match="unchanged"):
        wrapped.all(text="hello")
    prefetching = PreparedQuery(
        lambda team_id: ExperimentSession.objects.filter(team_id=team_id).prefetch_related("participant"), team_id=int
    )
    with pytest.raises(PreparedQueryError, match="prefetch"):
        prefetching.all(team_id=session.team_id)
    values = PreparedQuery(lambda team_id: ExperimentSession.objects.filter(team_id=team_id).values("id"), team_id=int)
    with pytest.raises(PreparedQueryError, match="values_list"):
        values.all(team_id=session.team_id)
    with pytest.raises(PreparedQueryError, match="float"):
        PreparedQuery(lambda score: ExperimentSession.objects.filter(pk=F("pk") * score), score=float).all(score=1.0)


@pytest.mark.django_db
def test_sql_that_depends_on_the_values_is_refused(session):
    def build(number):  # a different query for odd and even numbers: no single SQL serves both
        sessions = ExperimentSession.objects
        return sessions.filter(pk=number) if number % 2 else sessions.filter(pk__gte=number)

    with pytest.raises(PreparedQueryError, match="depends on its values"):
        PreparedQuery(build, number=int).all(number=1)


@pytest.mark.django_db
def test_integer_placeholders_fit_small_integer_columns(session):
    """Django drops a comparison that no 32-bit column could match; the placeholders must fit one."""
    session.version_number = 3
    session.save()
    pinned = PreparedQuery(
        lambda version, pk: ExperimentSession.objects.filter(version_number__gte=version, pk=pk), version=int, pk=int
    )
    assert pinned.all(version=3, pk=session.pk) == [session]
    assert pinned.all(version=4, pk=session.pk) == []


@pytest.mark.django_db
def test_ordering_columns_added_for_distinct_are_not_returned(session):
    ChatMessage.objects.create(team=session.team, chat=session.chat, message_type="human", content="a")
    rows = PreparedQuery(
        lambda chat_id: (
            ChatMessage.objects.filter(chat_id=chat_id)
            .values_list("content", "message_type")
            .distinct()
            .order_by("created_at")
        ),
        chat_id=int,
    )
    assert rows.all(chat_id=session.chat_id) == [("a", "human")]
