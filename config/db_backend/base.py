"""Django's PostgreSQL backend with the pool checking connections only after they sat idle
(config/db_pool.py): Django's own CONN_HEALTH_CHECKS checks on every checkout, a round trip each."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

from config.db_pool import check_if_idle, watch


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        created = self.alias not in self._connection_pools
        pool = super().pool
        if created and pool is not None:
            # psycopg_pool takes `check` only at construction, where Django passes its own.
            if not hasattr(pool, "_check"):
                raise ImproperlyConfigured("psycopg_pool changed: config/db_backend cannot set the pool's check")
            pool._check = check_if_idle
            watch(pool)
        return pool
