"""Health of the database, the Celery broker and the workers, for load balancers and `make run`.

Answers within about 2 s whatever is down: the database is tried on a connection of its own with a
short connect and statement timeout (the request pool would make it wait DB_POOL_TIMEOUT for a
connection), while the broker is asked at the same time with a 1 s timeout. The workers' state is
reported but does not fail the check: a web node that serves pages is healthy without them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from django.db import connection

from config.broker import check_broker

DATABASE_TIMEOUT_SECONDS = 2  # libpq's shortest connect timeout
BROKER_TIMEOUT_SECONDS = 1.0


def check_database() -> dict:
    params = connection.get_connection_params()
    params.update(
        connect_timeout=DATABASE_TIMEOUT_SECONDS,
        options=f"{params.get('options', '')} -c statement_timeout={DATABASE_TIMEOUT_SECONDS * 1000}".strip(),
        autocommit=True,
    )
    started = time.perf_counter()
    try:
        with psycopg.connect(**params) as conn:
            conn.execute("SELECT 1").fetchone()
    except Exception as error:  # any driver error means "down"; the message is the diagnosis
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def health_report() -> tuple[bool, dict]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        broker_checks = pool.submit(check_broker, BROKER_TIMEOUT_SECONDS)
        database = check_database()
        broker, worker = broker_checks.result()
    checks = {"database": database, "broker": broker, "worker": worker}
    healthy = database["ok"] and broker["ok"]
    status = ("ok" if worker["ok"] else "degraded") if healthy else "error"
    return healthy, {"status": status, "checks": checks}
