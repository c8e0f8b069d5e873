"""Connection checks for the psycopg pool (settings.DATABASES OPTIONS "pool").

Django's CONN_HEALTH_CHECKS with a pool checks every connection on every checkout: one more round
trip each time, and the message path checks a connection out twice (it gives it back while a model
answers). A connection given back moments ago is as healthy as a check could show, so only one that
sat idle for a while (where a database restart or a dropped socket would hide) is checked; a broken
connection is still discarded by the pool when it comes back in error.

Celery workers and beat check every checkout instead (`check_every_checkout`): a task borrows few
connections, and after a database restart its first query must not fail on a connection that was
given back a moment before the restart (the worker would answer that task only on a retry)."""

from __future__ import annotations

import time
import weakref
from typing import Any

IDLE_BEFORE_CHECK_SECONDS = 5.0
_check_always = False
_returned_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_pools: weakref.WeakSet[Any] = weakref.WeakSet()


def watch(pool: Any) -> None:
    """A pool whose idle connections are all checked when one fails its check (config/db_backend)."""
    _pools.add(pool)


def check_if_idle(connection: Any) -> None:
    """The pool's `check`: raises (so the pool replaces the connection) when an idle one is dead."""
    returned = _returned_at.get(connection)
    if _check_always or returned is None or time.monotonic() - returned > IDLE_BEFORE_CHECK_SECONDS:
        from psycopg_pool import ConnectionPool

        try:
            ConnectionPool.check_connection(connection)
        except Exception:
            # The database restarted or dropped us: the other idle connections are dead too. The pool
            # waits 1 s, 2 s, 4 s … between failed checks of one checkout, so finding them one by one
            # would outlast DB_POOL_TIMEOUT; `check` drops them all now, each failing at once.
            for pool in list(_pools):
                pool.check()
            raise


def note_return(connection: Any) -> None:
    """The pool's `reset`: runs as a connection comes back."""
    _returned_at[connection] = time.monotonic()


def check_every_checkout() -> None:
    """This process checks every connection it takes from the pool (Celery workers and beat)."""
    global _check_always
    _check_always = True
