"""Health of the database and the Celery broker, for load balancers and `make run`."""

from __future__ import annotations

import time

from django.db import connection


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "down"; the message is the diagnosis
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_broker(timeout: int = 2) -> dict:
    from config.celery import app

    started = time.perf_counter()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            transport = conn.transport_cls
    except Exception as error:  # any transport error means "down"
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "transport": str(transport), "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def health_report() -> tuple[bool, dict]:
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "error", "checks": checks}
