"""Claims on messages being answered, owned by a process lease (ADR 0017).

A message being answered is claimed by the process answering it: the claim names that process's
`ClaimOwner` row. Each process registers one owner, on first use, and a daemon thread renews its
lease every quarter of `CHAT_CLAIM_LEASE_SECONDS`: one UPDATE per process every few seconds, nothing
per message. A claim whose owner's lease has lapsed (the process was killed, or its machine is gone)
is free, so a retry after a crash is answered within the lease; a live owner's claim is never taken,
so a retry while the reply is still being made is told so. Should a live owner still be taken for
dead (its heartbeat held up longer than the lease), the reply's own uniqueness (one reply per message)
keeps it to one reply: the later attempt replays the earlier's.

Times are the database's (`now()`), so the clocks of the machines running processes do not matter.
Registration and renewal are autocommitted, never part of a caller's transaction: one that rolled
back would take the registration with it while the process kept using the id."""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from apps.chat.models import ChatMessage, ClaimOwner

logger = logging.getLogger(__name__)
_REGISTER_TIMEOUT = 30.0  # seconds a first claim inside a transaction waits for its registration


def _lease() -> timedelta:
    return timedelta(seconds=settings.CHAT_CLAIM_LEASE_SECONDS)


class _Owner:
    """This process's owner row and the thread that keeps its lease."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def id(self) -> int:
        owner_id = self._id  # no lock on the common path: an int is read whole
        if owner_id is not None:
            return owner_id
        with self._lock:
            if self._id is None:
                self._start()
            assert self._id is not None
            return self._id

    def forget(self) -> None:
        """In a forked child: the parent's lease is the parent's, and its heartbeat thread is not here."""
        self._lock = threading.Lock()
        self._id = None
        self._stop = threading.Event()
        self._thread = None

    def release(self) -> None:
        """On a clean exit: this process's claims are free at once, not a lease later."""
        owner_id, self._id = self._id, None
        self._stop.set()
        if owner_id is None:
            return
        try:
            ClaimOwner.objects.filter(pk=owner_id).delete()
        except Exception:  # noqa: BLE001 - exiting anyway; the lease lapses by itself
            logger.warning("Could not release claim owner %s", owner_id, exc_info=True)

    def _start(self) -> None:
        if connection.in_atomic_block:
            # Not in the caller's transaction: a rollback would take the row with it while the
            # process went on using the id.
            self._id = _in_own_thread(_register)
        else:
            # On the caller's connection, in autocommit: a thread of its own would need a second
            # pooled connection, which callers holding theirs while they wait here could starve.
            self._id = _register()
        stop = self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, args=(stop,), name="claim-heartbeat", daemon=True)
        self._thread.start()

    def _heartbeat(self, stop: threading.Event) -> None:
        interval = settings.CHAT_CLAIM_LEASE_SECONDS / 4
        lease = _LeaseConnection()
        try:
            while not stop.wait(interval):
                try:
                    owner_id = self._id
                    if owner_id is None:
                        return
                    if not lease.renew(owner_id):
                        # Taken for dead and removed: claims made under the old id are free now (a
                        # reply still made under one is kept to one by the reply's uniqueness).
                        self._id = _register()
                    release_pending()
                except Exception:  # noqa: BLE001 - the next beat tries again; the lease covers a few misses
                    logger.warning("Could not renew this process's claim lease", exc_info=True)
                finally:
                    # Back to the pool between beats (closed without one), as the batch writer does.
                    connection.close()
        finally:
            lease.close()


class _LeaseConnection:
    """The heartbeat's own database connection, outside the pool: with every pooled connection held
    (a burst of conversations waiting on their models) a renewal through the pool would wait, the
    lease lapse, and a second process take this live one's claims and call the model again. One
    connection per process, opened on the first beat and again after an error; in autocommit."""

    def __init__(self) -> None:
        self.connection: psycopg.Connection | None = None

    def renew(self, owner_id: int) -> int:
        """Push this owner's lease on; the number of rows renewed (0: the row is gone)."""
        if self.connection is None or self.connection.closed:
            # The default database's parameters without its pool (and in tests, the test database).
            params = connection.get_connection_params()
            self.connection = psycopg.connect(**params, autocommit=True)
        try:
            with self.connection.cursor() as cursor:
                # Model._meta is Django's documented Model _meta API.
                table = connection.ops.quote_name(ClaimOwner._meta.db_table)
                cursor.execute(f"UPDATE {table} SET expires_at = now() + %s WHERE id = %s", [_lease(), owner_id])  # noqa: S608 - our table name
                return cursor.rowcount
        except psycopg.Error:
            self.close()  # a fresh connection on the next beat
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _in_own_thread(function: Callable[[], int]) -> int:
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(function())
        except BaseException as error:  # noqa: BLE001 - raised in the caller below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="claim-register", daemon=True)
    thread.start()
    thread.join(_REGISTER_TIMEOUT)
    if errors:
        raise errors[0]
    if not results:
        raise RuntimeError("Could not register this process to claim messages: no answer from the database")
    return results[0]


def _register() -> int:
    # Lapsed owners hold no claims (a claim naming a missing owner is free): their rows can go.
    ClaimOwner.objects.filter(expires_at__lt=Now()).delete()
    owner = ClaimOwner(expires_at=Now() + _lease(), host=socket.gethostname()[:255], pid=os.getpid())
    owner.save()
    return owner.pk


owner = _Owner()
os.register_at_fork(after_in_child=owner.forget)
atexit.register(owner.release)


def owner_id() -> int:
    """This process's owner id, for a message stored already claimed."""
    return owner.id()


def claim(message_id: int) -> bool:
    """Claim the message for this process unless a live owner holds it; whether it is now ours."""
    live = ClaimOwner.objects.filter(pk=OuterRef("claimed_by"), expires_at__gt=Now())
    unclaimed = Q(claimed_by__isnull=True) | ~Exists(live)
    return bool(
        ChatMessage.objects.filter(unclaimed, pk=message_id).update(claimed_by=owner.id(), processing_started_at=Now())
    )


def unclaim(message_id: int) -> None:
    """Give up this process's claim after a failed attempt, so a retry is answered at once. A claim
    taken over meanwhile by another process is left to it. Never raises: it runs while another error
    is on its way up, often the database's; then the heartbeat tries again until it goes through
    (otherwise this live process would hold the message for as long as it lives)."""
    try:
        _release(message_id)
    except DatabaseError:
        logger.warning("Could not give up the claim on message %s; the heartbeat will", message_id, exc_info=True)
        with _pending_lock:
            _pending_releases.add(message_id)


def release_pending() -> None:
    """Give up the claims an earlier `unclaim` could not (called by the heartbeat)."""
    with _pending_lock:
        pending = list(_pending_releases)
    for message_id in pending:
        _release(message_id)  # a database still down raises: the next beat tries again
        with _pending_lock:
            _pending_releases.discard(message_id)


def _release(message_id: int) -> None:
    ChatMessage.objects.filter(pk=message_id, claimed_by=owner.id()).update(claimed_by=None, processing_started_at=None)


_pending_releases: set[int] = set()
_pending_lock = threading.Lock()
