"""A database that is down or restarting answers 503 with Retry-After, never a 500 after a long wait:
JSON on the machine-to-machine paths (their clients retry on 503), plain text on pages. The wait
itself is bounded by DB_POOL_TIMEOUT and DB_CONNECT_TIMEOUT (settings)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is briefly unavailable (its database cannot be reached). Try again shortly."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        _drop_dead_connections(exception)
        response: HttpResponse
        if request.path.startswith(tuple(settings.API_PATH_PREFIXES)):
            response = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _drop_dead_connections(exception: Exception) -> None:
    """A connection the database closed (a restart) means the pool's idle ones are closed too, and
    the next requests would fail on them one by one: check them all now, which is quick as each
    fails at once. Not after a pool timeout: the database may hang, and a check would wait on it."""
    pool = getattr(connection, "pool", None)
    if pool is None or isinstance(exception.__cause__, PoolTimeout):
        return
    try:
        pool.check()
    except Exception:  # checking is a courtesy to the next requests; this one has its answer
        logger.exception("could not check the database connection pool")
