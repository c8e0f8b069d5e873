"""The pool checks a connection on checkout only when it sat idle (config/db_pool.py)."""

import pytest
from django.db import connection

from config import db_pool


class FakeConnection:
    pass


def test_only_a_connection_idle_for_a_while_is_checked(monkeypatch):
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
