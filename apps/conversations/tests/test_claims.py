"""Claims on messages being answered die with the process that made them, and never let a message be
answered twice (apps/conversations/claims.py, ADR 0017)."""

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.chat.models import ChatMessage, ClaimOwner
from apps.conversations import claims
from apps.conversations.bot import BotError, ReplyInProgress, respond
from apps.conversations.tests.child_process import start_python
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.service_providers import errors
from apps.service_providers.testing.fake_llm import use_fake_llm


@pytest.fixture
def session(team):
    return session_for(simple_chatbot(team))


def claimed_message(session, owner: ClaimOwner | None, message_id: str = "m-1") -> ChatMessage:
    return ChatMessage.objects.create(
        team=session.team,
        chat=session.chat,
        message_type="human",
        content="Hi",
        external_id=message_id,
        claimed_by=owner.pk if owner else None,
        processing_started_at=timezone.now(),
    )


def other_process(expires_in: timedelta) -> ClaimOwner:
    return ClaimOwner.objects.create(expires_at=timezone.now() + expires_in, host="elsewhere", pid=1)


def replies(session) -> list[str]:
    return list(session.chat.messages.filter(message_type="ai").values_list("content", flat=True))


@pytest.mark.django_db
def test_a_live_processs_claim_is_not_taken(session):
    claimed_message(session, other_process(timedelta(hours=1)))
    with use_fake_llm("second") as fake, pytest.raises(ReplyInProgress):
        respond(session, "Hi", message_id="m-1")
    assert fake.calls == []
    assert replies(session) == []


@pytest.mark.django_db
def test_a_claim_whose_process_stopped_renewing_is_answered_at_once(session):
    # Claimed a moment ago, but its owner's lease has lapsed: the old claim timeout said "wait 5 minutes".
    human = claimed_message(session, other_process(timedelta(seconds=-1)))
    with use_fake_llm("answered"):
        reply = respond(session, "Hi", message_id="m-1")
    assert reply.reply.reply_to == human
    assert not reply.replayed
    assert replies(session) == ["answered"]
    human.refresh_from_db()
    assert human.claimed_by == claims.owner_id()


@pytest.mark.django_db
def test_a_claim_naming_an_owner_that_is_gone_is_free(session):
    owner = other_process(timedelta(hours=1))
    claimed_message(session, owner)
    owner.delete()  # lapsed owners' rows are removed when a process registers
    with use_fake_llm("answered"):
        respond(session, "Hi", message_id="m-1")
    assert replies(session) == ["answered"]


@pytest.mark.django_db
def test_a_failed_attempt_gives_its_claim_up(session):
    with use_fake_llm(errors.AuthenticationFailed("rejected")), pytest.raises(BotError):
        respond(session, "Hi", message_id="m-1")
    human = ChatMessage.objects.get(external_id="m-1")
    assert (human.claimed_by, human.processing_started_at) == (None, None)


@pytest.mark.django_db
def test_a_new_message_is_stored_claimed_by_this_process(session):
    with use_fake_llm("hello"):
        reply = respond(session, "Hi", message_id="m-1")
    assert reply.human.claimed_by == claims.owner_id()
    assert ClaimOwner.objects.get(pk=claims.owner_id()).expires_at > timezone.now()


_CHILD = """
import sys, time
import django

django.setup()
from apps.conversations import claims

assert claims.claim(int(sys.argv[1]))
print("claimed", flush=True)
time.sleep(600)
"""


@pytest.mark.django_db(transaction=True)
def test_a_claim_lives_as_long_as_its_process(session):
    human = claimed_message(session, None)
    lease = 2.0  # renewed every 0.5 s
    child = start_python(_CHILD, str(human.pk), CHAT_CLAIM_LEASE_SECONDS=str(lease))
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "claimed"
        human.refresh_from_db()
        assert human.claimed_by not in (None, claims.owner_id())
        # Alive, and past its lease: its heartbeat keeps the claim.
        assert not claims.claim(human.pk)
        time.sleep(lease * 1.5)
        assert not claims.claim(human.pk)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
    killed = time.monotonic()
    while not claims.claim(human.pk):
        assert time.monotonic() - killed < lease * 2.5, "the dead process's claim was not freed"
        time.sleep(0.05)
    human.refresh_from_db()
    assert human.claimed_by == claims.owner_id()


def _in_thread(results: list, target, *args, **kwargs) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - inspected by the test
            results.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def fresh_owner():
    """This process's owner registered anew: a transactional test before this one emptied its table."""
    claims.owner.release()
    yield
    claims.owner.release()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_exactly_one_reply(session, fresh_owner):
    results: list = []
    with use_fake_llm() as fake:
        fake.delay = 0.5  # every attempt overlaps the first one's model call
        threads = [_in_thread(results, respond, session, "Hi", message_id="m-1") for _ in range(6)]
        for thread in threads:
            thread.join(30)
    made = [r for r in results if not isinstance(r, BaseException) and not r.replayed]
    assert len(made) == 1
    others = [r for r in results if r not in made]
    assert all(isinstance(r, ReplyInProgress) or r.reply.pk == made[0].reply.pk for r in others), others
    assert replies(session) == ["Hi"]
    assert len(fake.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_live_process_taken_for_dead_still_makes_one_reply(session, fresh_owner):
    # Its heartbeat held up past the lease, and its row removed as lapsed (as a registering process
    # does): a retry takes the claim and runs too; the reply stored second loses to the first (one
    # reply per message), and replays it.
    results: list = []
    with use_fake_llm("first", "second") as fake:
        fake.delay = 0.5
        first = _in_thread(results, respond, session, "Hi", message_id="m-1")
        deadline = time.monotonic() + 10
        while not ChatMessage.objects.filter(external_id="m-1").exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        ClaimOwner.objects.filter(pk=claims.owner_id()).delete()
        second = respond(session, "Hi", message_id="m-1")
        first.join(30)
    [first_result] = results
    assert len(fake.calls) == 2  # both ran
    assert sorted([first_result.replayed, second.replayed]) == [False, True]
    assert first_result.reply.pk == second.reply.pk
    assert len(replies(session)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_process_registers_on_the_callers_connection(fresh_owner):
    # Not on a connection of its own: under load, every pooled connection can be held by a request
    # waiting for this registration (the message path's benchmark ran into exactly that).
    with CaptureQueriesContext(connection) as queries:
        owner_id = claims.owner_id()
    assert any('INSERT INTO "chat_claimowner"' in query["sql"] for query in queries.captured_queries)
    assert ClaimOwner.objects.filter(pk=owner_id).exists()


@pytest.mark.django_db
def test_a_reply_that_could_not_be_stored_gives_its_claim_up(session, monkeypatch):
    # The model answered, then the database went away: the retry must not meet this live process's claim.
    from django.db import OperationalError

    from apps.conversations import bot

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(bot, "_store_reply", database_gone)
    with use_fake_llm("lost"), pytest.raises(OperationalError):
        respond(session, "Hi", message_id="m-1")
    assert ChatMessage.objects.get(external_id="m-1").claimed_by is None
    monkeypatch.undo()
    with use_fake_llm("kept"):
        assert respond(session, "Hi", message_id="m-1").reply.content == "kept"


@pytest.mark.django_db
def test_a_claim_that_could_not_be_given_up_is_given_up_by_the_heartbeat(session, monkeypatch):
    from django.db import OperationalError

    message = claimed_message(session, None)
    ChatMessage.objects.filter(pk=message.pk).update(claimed_by=claims.owner_id())
    real_release = claims._release

    def database_down(message_id):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(claims, "_release", database_down)
    claims.unclaim(message.pk)  # does not raise: an error is already on its way up
    assert ChatMessage.objects.get(pk=message.pk).claimed_by == claims.owner_id()
    monkeypatch.setattr(claims, "_release", real_release)
    claims.release_pending()  # the next heartbeat
    assert ChatMessage.objects.get(pk=message.pk).claimed_by is None
    claims.release_pending()  # nothing left to do


_CHILD_WITH_FULL_POOL = """
import sys, threading, time
import django
django.setup()
from django.db import connection, transaction
from apps.conversations import claims

assert claims.claim(int(sys.argv[1]))

def hold():  # a conversation holding its pooled connection (in a transaction) for a long time
    with transaction.atomic():
        connection.cursor().execute("SELECT 1")
        time.sleep(600)

for _ in range(2):
    threading.Thread(target=hold, daemon=True).start()
time.sleep(0.5)
print("claimed", flush=True)
time.sleep(600)
"""


@pytest.mark.django_db(transaction=True)
def test_a_full_pool_does_not_hold_up_the_heartbeat(session):
    # Every pooled connection of the claiming process is taken, for longer than its lease: a renewal
    # through the pool would wait for one (here 4 s), the lease lapse and the claim be taken.
    human = claimed_message(session, None)
    lease = 1.6  # renewed every 0.4 s
    child = start_python(
        _CHILD_WITH_FULL_POOL,
        str(human.pk),
        CHAT_CLAIM_LEASE_SECONDS=str(lease),
        DB_POOL="true",
        DB_CONN_MAX_AGE="0",
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="2",
        DB_POOL_TIMEOUT="4",
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "claimed"
        deadline = time.monotonic() + lease * 3
        while time.monotonic() < deadline:
            assert not claims.claim(human.pk), "the live process's lease lapsed"
            time.sleep(0.1)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
