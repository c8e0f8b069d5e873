"""The ASGI entry point (`uvicorn config.asgi:application`): HTTP requests under
settings.API_PATH_PREFIXES go to the lean API handler, everything else (pages, lifespan, websocket)
to Django's own with the full MIDDLEWARE (config/asgi_routing.py, ADR 0012)."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()  # runs django.setup(): import project code after it

from config.asgi_routing import ApiHandler, is_api_path  # noqa: E402
from config.broker import ensure_embedded_broker  # noqa: E402
from config.embedded_postgres import ensure_embedded_database  # noqa: E402

ensure_embedded_database()  # on the embedded default, start PostgreSQL (importing the settings does not)
ensure_embedded_broker()  # the web process queues tasks: on the embedded default, start the broker

api_application = ApiHandler()


async def application(scope: Any, receive: Any, send: Any) -> None:
    if is_api_path(scope):
        await api_application(scope, receive, send)
    else:
        await django_application(scope, receive, send)
