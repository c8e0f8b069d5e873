import pytest

from apps.teams import roles
from apps.utils.factories.team import MembershipFactory, TeamFactory
from apps.utils.factories.user import UserFactory


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def admin_membership(team):
    return MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])


@pytest.fixture
def admin_user(admin_membership):
    return admin_membership.user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def other_team(db):
    """A second team with its own admin, for isolation tests."""
    other = TeamFactory()
    MembershipFactory(team=other, roles=[roles.SUPER_ADMIN])
    return other


@pytest.fixture
def user(db):
    return UserFactory()
