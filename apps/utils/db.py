"""Database connection handling shared by code that waits on something slow."""

from __future__ import annotations

from django.db import connection


def release_connection() -> None:
    """Give this thread's database connection back to the pool before a wait (a model call, a child
    process): a request that waits holds none. Without a pool, closing would only cost a reconnect,
    so the connection is kept; inside a transaction it must stay."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool") and not connection.in_atomic_block:
        connection.close()
