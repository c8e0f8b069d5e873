"""The Celery broker as a Redis client: starting the embedded one, the workers' heartbeat, and the
checks behind /health/ (ADR 0002).

Every worker adds its name to one sorted set, scored with the time, every HEARTBEAT_SECONDS; a worker
is alive when its score is recent. One ZCOUNT tells /health/ whether any worker is, without the
broadcast-and-wait of `celery inspect ping`."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "chatstudio:worker-heartbeats"
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS

_heartbeat_stop = threading.Event()


def uses_embedded_broker() -> bool:
    """Whether this process needs the embedded Valkey server: it is the configured broker, and tasks
    are published (a process that runs them in-process, as unit tests do, publishes nothing)."""
    from config import embedded_valkey

    return not settings.CELERY_TASK_ALWAYS_EAGER and embedded_valkey.is_embedded(settings.CELERY_BROKER_URL)


def ensure_embedded_broker() -> None:
    """Start (or attach to) the embedded Valkey server when this process needs it."""
    from config import embedded_valkey

    if uses_embedded_broker():
        embedded_valkey.ensure_server()


def release_embedded_broker() -> None:
    """This process is done with the embedded broker: it stops unless another process still uses it."""
    from config import embedded_valkey

    if uses_embedded_broker():
        embedded_valkey.release()


def broker_client(url: str | None = None, timeout: float = 1.0) -> redis.Redis:
    """A redis-py client for a kombu broker URL (`redis://`, `rediss://`, `redis+socket://`)."""
    url = url or settings.CELERY_BROKER_URL
    # No retries: a check answers within its timeout, and the heartbeat simply beats again later.
    retry = Retry(NoBackoff(), 0)
    if url.startswith("redis+socket://"):
        return redis.Redis(
            unix_socket_path=urlsplit(url).path, socket_connect_timeout=timeout, socket_timeout=timeout, retry=retry
        )
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=retry)


def start_heartbeat(hostname: str, url: str | None = None, interval: float = HEARTBEAT_SECONDS) -> threading.Thread:
    """Record this worker as alive every `interval` seconds until `stop_heartbeat`."""
    _heartbeat_stop.clear()
    thread = threading.Thread(target=_beat, args=(hostname, url, interval), name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


def stop_heartbeat() -> None:
    _heartbeat_stop.set()


def _beat(hostname: str, url: str | None, interval: float) -> None:
    client = broker_client(url)
    try:
        while not _heartbeat_stop.is_set():
            now = time.time()
            try:
                pipe = client.pipeline()
                pipe.zadd(HEARTBEAT_KEY, {hostname: now})
                pipe.zremrangebyscore(HEARTBEAT_KEY, 0, now - HEARTBEAT_STALE_SECONDS)
                pipe.execute()
            except redis.RedisError as error:  # the broker is down or restarting: try again next beat
                logger.warning("worker heartbeat not recorded: %s", error)
            _heartbeat_stop.wait(interval)
        with contextlib.suppress(redis.RedisError):
            client.zrem(HEARTBEAT_KEY, hostname)  # a worker stopping on purpose is gone at once
    finally:
        client.close()


def check_broker(timeout: float = 1.0) -> tuple[dict, dict]:
    """(broker status, worker status): whether the broker answers, and how many workers beat lately."""
    client = broker_client(timeout=timeout)
    started = time.perf_counter()
    try:
        client.ping()
        latency = round((time.perf_counter() - started) * 1000, 2)
        workers = client.zcount(HEARTBEAT_KEY, time.time() - HEARTBEAT_STALE_SECONDS, "+inf")
    except (redis.RedisError, OSError) as error:
        down = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        return down, {"ok": False, "error": "the broker is unreachable"}
    finally:
        client.close()
    worker: dict = {"ok": workers > 0, "alive": workers}
    if not workers:
        worker["error"] = f"no worker heartbeat in the last {HEARTBEAT_STALE_SECONDS:.0f} s"
    return {"ok": True, "latency_ms": latency}, worker
