"""Membership changes that race: each takes the team's row lock (actions.lock_team) and decides on
what it sees under it. Two threads, each on its own database connection, run the two changes; a
barrier inside the check lets both pass it before either writes, unless the lock keeps the second
one waiting (then the barrier times out and the first one goes on alone)."""

import contextlib
import threading

import pytest
from django.db import connection

from apps.api import keys
from apps.api.keys import NotAMember, create_api_key
from apps.api.models import TeamApiKey
from apps.teams import actions, roles
from apps.teams.exceptions import TeamActionError
from apps.teams.models import Membership
from apps.teams.selectors import member_managers
from apps.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)
PAUSE = 1.5  # seconds the first change waits for the second at the barrier


def run_together(*changes) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(changes)

    def run(index, change):
        try:
            change()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, change)) for i, change in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.fixture
def barrier_after(monkeypatch):
    def install(module, name, barrier=None):
        barrier = barrier or threading.Barrier(2, timeout=PAUSE)
        real = getattr(module, name)

        def paused(*args, **kwargs):
            result = real(*args, **kwargs)
            with contextlib.suppress(threading.BrokenBarrierError):  # the other one is held up by the lock
                barrier.wait()
            return result

        monkeypatch.setattr(module, name, paused)
        return barrier

    return install


def test_the_last_two_managers_removing_each_other_leave_one(barrier_after):
    team = TeamFactory()
    first = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    second = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    barrier_after(actions, "_ensure_a_manager_remains")
    outcomes = run_together(
        lambda: actions.remove_member(membership=second, removed_by=first),
        lambda: actions.remove_member(membership=first, removed_by=second),
    )
    assert len(member_managers(team)) == 1
    assert sum(isinstance(outcome, TeamActionError) for outcome in outcomes) == 1, outcomes


def test_the_last_two_managers_demoting_each_other_leave_one(barrier_after):
    team = TeamFactory()
    first = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    second = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    barrier_after(actions, "_ensure_a_manager_remains")
    viewer = roles.role_groups([roles.DEFAULT_INVITEE_ROLES[0]])
    outcomes = run_together(
        lambda: actions.set_member_roles(membership=second, groups=viewer, changed_by=first),
        lambda: actions.set_member_roles(membership=first, groups=viewer, changed_by=second),
    )
    assert len(member_managers(team)) == 1
    assert sum(isinstance(outcome, TeamActionError) for outcome in outcomes) == 1, outcomes


def test_a_key_made_while_its_maker_is_removed_does_not_survive(barrier_after):
    team = TeamFactory()
    admin = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    maker = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    # The removal waits once it has revoked the maker's keys; the key is hashed just before it is stored.
    barrier = barrier_after(keys, "revoke_keys_of")
    barrier_after(keys, "_hash", barrier=barrier)
    outcomes = run_together(
        lambda: create_api_key(team=team, name="late", created_by=maker.user),
        lambda: actions.remove_member(membership=maker, removed_by=admin),
    )
    assert not Membership.objects.filter(pk=maker.pk).exists()
    assert not TeamApiKey.objects.filter(team=team, revoked_at=None).exists(), outcomes


def test_a_removed_member_cannot_make_a_key():
    team = TeamFactory()
    admin = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    maker = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    actions.remove_member(membership=maker, removed_by=admin)
    with pytest.raises(NotAMember):
        create_api_key(team=team, name="late", created_by=maker.user)
    assert not TeamApiKey.objects.filter(team=team).exists()


def test_a_manager_demoted_after_the_views_check_can_no_longer_act():
    # The view checked the permissions on memberships loaded before the demotion took effect.
    team = TeamFactory()
    owner = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    demoted = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    other = MembershipFactory(team=team, roles=[roles.DEFAULT_INVITEE_ROLES[0]])
    stale = Membership.objects.get(pk=demoted.pk)
    assert stale.has_perm("teams.delete_membership")  # as the view saw it
    viewer = roles.role_groups([roles.DEFAULT_INVITEE_ROLES[0]])
    actions.set_member_roles(membership=demoted, groups=viewer, changed_by=owner)

    with pytest.raises(TeamActionError, match="no longer have permission"):
        actions.remove_member(membership=other, removed_by=stale)
    with pytest.raises(TeamActionError, match="no longer have permission"):
        actions.set_member_roles(membership=other, groups=viewer, changed_by=stale)
    with pytest.raises(NotAMember, match="no longer make API keys"):
        create_api_key(team=team, name="late", created_by=demoted.user)
    assert Membership.objects.filter(pk=other.pk).exists()
    actions.leave_team(membership=Membership.objects.get(pk=demoted.pk))  # leaving needs no permission
