"""A lean ASGI handler for the machine-to-machine paths, and the rule that picks them (ADR 0012).

Under ASGI, Django's handler runs settings.MIDDLEWARE as an async chain: every `MiddlewareMixin`
runs its hooks through `sync_to_async`, one thread hop each, and a sync view is one more. A JSON API
request paid about 16 hops, plus session, user, CSRF and messages work it never uses. The paths in
settings.API_PATH_PREFIXES (team-API-key and embed-key JSON APIs, the API channel, the benchmark
baseline) never read cookies, so `ApiHandler` serves them with settings.API_MIDDLEWARE built as ONE
synchronous chain, like WSGI's: a single hop to the request's thread runs the middleware, the view
and Django's error logging. An async view is called back on the event loop (`async_to_sync`, one
more hop), and a response streamed from an async iterator (the SSE views) is still sent by the event
loop as it is produced, after the chain has returned.

A view reached through this handler has no `request.session` and no `request.user` from Django
auth: a path routed here by mistake fails closed (no cookie login, so nothing for CSRF to protect).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string


def is_api_path(scope: Mapping[str, Any]) -> bool:
    """Whether an ASGI scope is an HTTP request for the lean handler. Read per request, so tests can
    change the settings.

    The widget API (settings.API_FULL_STACK_PREFIXES) also takes a team member's browser session,
    so a request of it that carries cookies gets the full stack. One without cookies (a
    participant's widget on another site, an API key) cannot be using a session, and is lean."""
    if scope["type"] != "http":
        return False
    path = scope["path"].removeprefix(scope.get("root_path", ""))  # as Django computes path_info
    if not path.startswith(tuple(settings.API_PATH_PREFIXES)):
        return False
    return not path.startswith(tuple(settings.API_FULL_STACK_PREFIXES)) or not _has_cookies(scope)


def _has_cookies(scope: Mapping[str, Any]) -> bool:
    return any(name == b"cookie" for name, _ in scope.get("headers", ()))


class ApiHandler(ASGIHandler):
    """Django's ASGI handler with settings.API_MIDDLEWARE as one sync chain around sync views."""

    def load_middleware(self, is_async: bool = False) -> None:
        """`BaseHandler.load_middleware(is_async=False)` over API_MIDDLEWARE (ASGIHandler asks for an
        async chain; this one is always sync, entered once per request by `get_response_async`)."""
        self._view_middleware: list[Callable[..., Any]] = []
        self._template_response_middleware: list[Callable[..., Any]] = []
        self._exception_middleware: list[Callable[..., Any]] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]  # not in the stubs
        for middleware_path in reversed(settings.API_MIDDLEWARE):
            middleware = import_string(middleware_path)
            if not getattr(middleware, "sync_capable", True):
                raise ImproperlyConfigured(f"{middleware_path} is async-only; API_MIDDLEWARE must run synchronously")
            try:
                instance = middleware(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, self.adapt_method_mode(False, instance.process_view))
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(
                    self.adapt_method_mode(False, instance.process_template_response)
                )
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(self.adapt_method_mode(False, instance.process_exception))
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Django's sync `get_response` (URLconf, the chain, logging 4xx/5xx) on the request's own
        # thread, the one a sync view would run on under the normal handler too.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
