import pytest
from django.test import Client

from apps.teams.guards import team_urls, unprotected_team_urls, unscoped_models


def test_every_model_of_ours_is_team_scoped():
    assert unscoped_models() == []


@pytest.fixture
def outsider_client(db, other_team):
    client = Client()
    client.force_login(other_team.membership_set.first().user)
    return client


@pytest.mark.django_db
def test_every_team_url_requires_login_and_membership(team, admin_user, outsider_client):
    assert len(list(team_urls())) >= 8, "the walk found too few team URLs: is it still walking the URL conf?"
    assert unprotected_team_urls(Client(), outsider_client, team.slug) == []


@pytest.mark.django_db
@pytest.mark.urls("apps.teams.tests.leaky_urls")
def test_guard_catches_an_unprotected_view(team, admin_user, outsider_client):
    problems = unprotected_team_urls(Client(), outsider_client, team.slug, urlconf="apps.teams.tests.leaky_urls")
    assert len(problems) == 2
    assert all("/leak/" in problem for problem in problems)
