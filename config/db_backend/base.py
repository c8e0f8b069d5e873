"""Django's PostgreSQL backend with pooled connections checked on checkout only after they sat idle
(config/db_pool.py): Django's own CONN_HEALTH_CHECKS checks on every checkout, a round trip each.

psycopg_pool takes its `check` callback only at construction, where Django passes its own, so the check
runs here instead, through public APIs: Django's `get_new_connection` (the backend method that takes a
connection from the pool) and psycopg_pool's `putconn`. Settings turn CONN_HEALTH_CHECKS off when they
choose this backend; with it on, the pool checks every checkout and this adds nothing."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from config.db_pool import check_if_idle, watch

# A failed check has the pool test all its idle connections (db_pool.check_if_idle), so the next one
# taken is alive or new; a third failure means the database itself is failing.
CHECKOUT_ATTEMPTS = 3


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        pool = self.pool
        if pool is None or self.settings_dict["CONN_HEALTH_CHECKS"]:
            return super().get_new_connection(conn_params)
        watch(pool)
        attempt = 1
        while True:
            connection = super().get_new_connection(conn_params)
            try:
                check_if_idle(connection)
            except Exception:
                # Closed, the pool discards it when it comes back and opens another in its place.
                connection.close()
                pool.putconn(connection)
                if attempt == CHECKOUT_ATTEMPTS:
                    raise
                attempt += 1
            except BaseException:
                pool.putconn(connection)  # cancelled: give it back, unchecked, and stop
                raise
            else:
                return connection
