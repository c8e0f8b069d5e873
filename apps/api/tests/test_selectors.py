"""The API key lookup written as SQL gives what its queryset gives, in one query."""

import pytest

from apps.api.keys import create_api_key, revoke_api_key
from apps.api.models import TeamApiKey
from apps.api.selectors import active_key_by_prefix
from apps.teams.models import Team

pytestmark = pytest.mark.django_db


def values(instance) -> dict:
    fields = [field for field in type(instance)._meta.get_fields() if field.concrete and not field.many_to_many]
    return {field.attname: getattr(instance, field.attname) for field in fields}


def test_the_key_and_its_team_match_the_queryset(team, other_team, django_assert_num_queries):
    key, _ = create_api_key(team=team, name="k")
    create_api_key(team=other_team, name="other")
    expected = (
        TeamApiKey.objects.select_related("team").filter(prefix=key.prefix, revoked_at=None).order_by("pk").first()
    )
    with django_assert_num_queries(1):
        found = active_key_by_prefix(key.prefix)
        assert found is not None
        assert values(found.team) == values(expected.team)  # loaded with the key: no query of its own
    assert values(found) == values(expected)
    assert isinstance(found.team, Team)
    found.name = "renamed"
    found.save(update_fields=["name"])  # an ordinary loaded instance
    assert TeamApiKey.objects.get(pk=key.pk).name == "renamed"


def test_revoked_and_unknown_prefixes_find_nothing(team):
    key, _ = create_api_key(team=team, name="k")
    revoke_api_key(key=key)
    assert active_key_by_prefix(key.prefix) is None
    assert active_key_by_prefix("nope") is None
    assert active_key_by_prefix("' OR 1=1 --") is None  # a parameter, never SQL
