"""The pool checks a connection on checkout only when it sat idle (config/db_pool.py)."""

import time

import pytest
from django.db import connection

from config import db_pool


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


@pytest.mark.django_db
def test_the_pool_uses_the_idle_check():
    pool = connection.pool
    if pool is None:
        pytest.skip("the test settings run without a pool")
    assert pool._check is db_pool.check_if_idle
    assert pool._reset is db_pool.note_return


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
    pool = connection.pool
    if pool is None:
        pytest.skip("the test settings run without a pool")
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
    started = time.monotonic()
    conn = pool.getconn()
    try:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        pool.putconn(conn)
    assert time.monotonic() - started < 2
