"""The session read on every API message, written as SQL, matches its queryset: the session, its
participant, its chatbot (when asked for) and the participant's data for the chatbot."""

import uuid

import pytest
from django.db.models import F, FilteredRelation, Q

from apps.experiments.models import ExperimentSession
from apps.experiments.selectors import session_with_participant
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.participants.models import ParticipantData

pytestmark = pytest.mark.django_db


def queryset(team_id, public_id):
    return (
        ExperimentSession.objects.filter(team_id=team_id, public_id=public_id)
        .annotate(
            data_for_chatbot=FilteredRelation(
                "participant__data_sets", condition=Q(participant__data_sets__experiment=F("experiment"))
            ),
            loaded_participant_data_id=F("data_for_chatbot__id"),
            loaded_participant_data=F("data_for_chatbot__data"),
        )
        .select_related("participant", "experiment")
        .order_by("pk")
    )


def values(instance) -> dict:
    fields = [field for field in type(instance)._meta.get_fields() if field.concrete and not field.many_to_many]
    return {field.attname: getattr(instance, field.attname) for field in fields}


def assert_same(found, expected, *, with_chatbot: bool):
    assert values(found) == values(expected)
    assert values(found.participant) == values(expected.participant)
    assert found.loaded_participant_data_id == expected.loaded_participant_data_id
    assert found.loaded_participant_data == expected.loaded_participant_data
    if with_chatbot:
        assert values(found.experiment) == values(expected.experiment)


@pytest.fixture
def session(team):
    session = session_for(simple_chatbot(team))
    session.state = {"step": 2}
    session.tags = ["a"]
    session.save()
    other_chatbot = simple_chatbot(team, name="Other")
    for chatbot, data in ((session.experiment, {"name": "Ama"}), (other_chatbot, {"name": "other"})):
        ParticipantData.objects.create(team=team, participant=session.participant, experiment=chatbot, data=data)
    return session


@pytest.mark.parametrize("of_chatbot", [True, False])
def test_the_session_its_participant_and_their_data_match_the_queryset(session, of_chatbot, django_assert_num_queries):
    expected = queryset(session.team_id, session.public_id).get()
    chatbot_id = session.experiment_id if of_chatbot else None
    with django_assert_num_queries(1):
        found = session_with_participant(session.team_id, session.public_id, chatbot_id)
        assert found is not None
        assert_same(found, expected, with_chatbot=not of_chatbot)  # related rows loaded: no query
    assert found.loaded_participant_data == {"name": "Ama"}  # decrypted, and for this session's chatbot
    found.state = {"step": 3}
    found.save(update_fields=["state"])  # an ordinary loaded instance
    assert ExperimentSession.objects.get(pk=session.pk).state == {"step": 3}


def test_without_data_for_the_chatbot_the_annotations_are_none(team):
    session = session_for(simple_chatbot(team))
    found = session_with_participant(session.team_id, session.public_id)
    assert_same(found, queryset(session.team_id, session.public_id).get(), with_chatbot=True)
    assert (found.loaded_participant_data_id, found.loaded_participant_data) == (None, None)


def test_another_team_or_chatbot_finds_nothing(session, other_team):
    assert session_with_participant(other_team.pk, session.public_id) is None
    assert session_with_participant(other_team.pk, session.public_id, session.experiment_id) is None
    other_chatbot = simple_chatbot(session.team, name="Third")
    assert session_with_participant(session.team_id, session.public_id, other_chatbot.pk) is None
    assert session_with_participant(session.team_id, uuid.uuid4()) is None
