"""The pool checks a connection on checkout only when it sat idle (config/db_pool.py)."""

import time

import psycopg
import pytest
from django.db import OperationalError, connection

from config import db_pool
from config.db_backend import base as db_backend_base


class FakeConnection:
    pass


def test_only_a_connection_idle_for_a_while_is_checked(monkeypatch):
    monkeypatch.setattr(db_pool, "_check_always", False)  # as in a web process
    checked = []
    monkeypatch.setattr("psycopg_pool.ConnectionPool.check_connection", staticmethod(checked.append))
    now = [1000.0]
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: now[0])
    fresh, idle, new = FakeConnection(), FakeConnection(), FakeConnection()
    db_pool.note_return(fresh)
    db_pool.note_return(idle)
    now[0] += 1
    db_pool.note_return(fresh)
    now[0] += db_pool.IDLE_BEFORE_CHECK_SECONDS
    for conn in (fresh, idle, new):
        db_pool.check_if_idle(conn)
    assert checked == [idle, new]  # `new` never came back yet: checked too


def pooled():
    if connection.pool is None:
        pytest.skip("the test settings run without a pool")
    return connection.pool


@pytest.mark.django_db(transaction=True)
def test_a_checkout_goes_through_the_idle_check(monkeypatch):
    pool = pooled()
    checked = []
    monkeypatch.setattr(db_backend_base, "check_if_idle", checked.append)
    connection.close()  # back to the pool
    connection.ensure_connection()
    assert checked == [connection.connection]
    assert pool in db_pool._pools  # a failed check has this pool test its idle connections


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_fails_its_check_is_replaced(monkeypatch):
    pooled()
    failed = []

    def fail_once(conn):
        if not failed:
            failed.append(conn)
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db_backend_base, "check_if_idle", fail_once)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert len(failed) == 1
    assert connection.connection is not failed[0]
    assert failed[0].closed  # and so the pool dropped it


@pytest.mark.django_db(transaction=True)
def test_a_database_that_keeps_failing_the_check_is_an_error(monkeypatch):
    pooled()

    def dead(conn):
        raise psycopg.OperationalError("the database is gone")

    monkeypatch.setattr(db_backend_base, "check_if_idle", dead)
    connection.close()
    with pytest.raises(OperationalError, match="the database is gone"):
        connection.ensure_connection()


@pytest.mark.django_db(transaction=True)
def test_connections_come_back_through_the_reset_hook():
    pooled()
    connection.close()
    connection.ensure_connection()  # a connection from the pool in use now
    conn = connection.connection
    connection.close()
    deadline = time.monotonic() + 5
    while conn not in db_pool._returned_at and time.monotonic() < deadline:
        time.sleep(0.01)  # the pool runs its reset hook in a worker thread
    assert conn in db_pool._returned_at


def test_a_worker_process_checks_every_checkout(monkeypatch):
    checked = []
    monkeypatch.setattr("psycopg_pool.ConnectionPool.check_connection", staticmethod(checked.append))
    monkeypatch.setattr(db_pool, "_check_always", False)
    fresh = FakeConnection()
    db_pool.note_return(fresh)
    db_pool.check_if_idle(fresh)
    assert checked == []
    db_pool.check_every_checkout()
    db_pool.check_if_idle(fresh)
    assert checked == [fresh]


@pytest.mark.django_db(transaction=True)
def test_after_the_database_cut_every_connection_the_next_checkout_is_quick(monkeypatch):
    """psycopg_pool backs off 1 s, 2 s, 4 s between failed checks: with four dead idle connections one
    checkout would outlast DB_POOL_TIMEOUT. The first failed check drops them all."""
    pool = pooled()
    monkeypatch.setattr(db_pool, "_check_always", True)  # check the idle ones now, not after 5 s
    borrowed = [pool.getconn() for _ in range(6)]
    for conn in borrowed:
        pool.putconn(conn)  # six connections sit idle in the pool
    with connection.cursor() as cursor:  # what a database restart does to its clients
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # This cursor runs on one of the six (the pool hands out an idle one): the other five are cut.
        assert cursor.fetchone()[0] >= len(borrowed) - 1
    connection.close()  # back to the pool: the next query takes one of the six from it
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert time.monotonic() - started < 2
