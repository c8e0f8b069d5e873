"""A participant with their data for a chatbot, read as SQL, matches its queryset."""

import pytest
from django.db.models import F, FilteredRelation, Q

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.participants.models import Participant, ParticipantData
from apps.participants.selectors import participant_with_data

pytestmark = pytest.mark.django_db


def queryset(team_id, platform, identifier, experiment_id):
    return (
        Participant.objects.filter(team_id=team_id, platform=platform, identifier=identifier)
        .annotate(
            data_for_chatbot=FilteredRelation("data_sets", condition=Q(data_sets__experiment=experiment_id)),
            loaded_participant_data_id=F("data_for_chatbot__id"),
            loaded_participant_data=F("data_for_chatbot__data"),
        )
        .order_by("pk")
        .first()
    )


def values(instance) -> dict:
    fields = [field for field in type(instance)._meta.get_fields() if field.concrete and not field.many_to_many]
    found = {field.attname: getattr(instance, field.attname) for field in fields}
    return found | {
        "data_id": instance.loaded_participant_data_id,
        "data": instance.loaded_participant_data,
    }


def test_the_participant_and_their_data_for_the_chatbot_match_the_queryset(team, django_assert_num_queries):
    session = session_for(simple_chatbot(team))
    other_chatbot = simple_chatbot(team, name="Other")
    participant = session.participant
    ParticipantData.objects.create(team=team, participant=participant, experiment=session.experiment, data={"a": 1})
    ParticipantData.objects.create(team=team, participant=participant, experiment=other_chatbot, data={"b": 2})
    lookup = {"team_id": team.pk, "platform": participant.platform, "identifier": participant.identifier}
    with django_assert_num_queries(1):
        found = participant_with_data(**lookup, experiment_id=session.experiment_id)
    assert found is not None
    assert values(found) == values(queryset(**lookup, experiment_id=session.experiment_id))
    assert found.loaded_participant_data == {"a": 1}  # decrypted, as the queryset gives it


def test_no_data_for_this_chatbot_gives_none_and_other_teams_are_not_searched(team, other_team):
    session = session_for(simple_chatbot(team))
    participant = session.participant
    lookup = {"platform": participant.platform, "identifier": participant.identifier}
    found = participant_with_data(team_id=team.pk, **lookup, experiment_id=session.experiment_id)
    assert values(found) == values(queryset(team.pk, **lookup, experiment_id=session.experiment_id))
    assert (found.loaded_participant_data_id, found.loaded_participant_data) == (None, None)
    assert participant_with_data(team_id=other_team.pk, **lookup, experiment_id=session.experiment_id) is None
