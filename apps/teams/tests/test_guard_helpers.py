import pytest
from django.http import Http404

from apps.teams.models import Membership
from apps.teams.selectors import get_membership_or_404, get_team_object_or_404
from apps.teams.tests.factories import MembershipFactory


@pytest.mark.django_db
def test_get_team_object_or_404_refuses_another_teams_object(team, other_team):
    own = MembershipFactory(team=team)
    foreign = other_team.membership_set.first()
    assert get_team_object_or_404(Membership, team, pk=own.pk) == own
    with pytest.raises(Http404):
        get_team_object_or_404(Membership, team, pk=foreign.pk)


@pytest.mark.django_db
def test_membership_lookup_hides_teams_the_user_is_not_in(team, other_team, admin_user):
    assert get_membership_or_404(admin_user, team.slug).team == team
    with pytest.raises(Http404):
        get_membership_or_404(admin_user, other_team.slug)
    with pytest.raises(Http404):
        get_membership_or_404(admin_user, "no-such-team")
