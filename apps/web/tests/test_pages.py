import pytest
from django.urls import reverse

from apps.teams.tests.factories import MembershipFactory, TeamFactory


@pytest.mark.django_db
def test_landing_page_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("account_signup").encode() in response.content


@pytest.mark.django_db
def test_home_opens_the_last_team_used(client, user):
    first, second = MembershipFactory(user=user).team, MembershipFactory(user=user).team
    client.force_login(user)
    assert client.get("/")["Location"] == reverse("web:team_home", args=[min(first, second, key=lambda t: t.name).slug])
    client.get(reverse("web:team_home", args=[second.slug]))
    assert client.get("/")["Location"] == reverse("web:team_home", args=[second.slug])


@pytest.mark.django_db
def test_team_page_has_navigation_switcher_and_themes(admin_client, team, admin_user):
    other = TeamFactory(name="Zeta team")
    MembershipFactory(team=other, user=admin_user)
    content = admin_client.get(reverse("web:team_home", args=[team.slug])).content.decode()
    assert reverse("teams:settings", args=[team.slug]) in content
    assert reverse("web:team_home", args=[other.slug]) in content  # team switcher
    assert 'x-data="themeSwitcher"' in content
    assert 'name="viewport"' in content
    assert "/static/dist/" in content  # built assets are linked


@pytest.mark.django_db
def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content


@pytest.mark.django_db
def test_server_error_page_is_standalone(client, settings):
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
