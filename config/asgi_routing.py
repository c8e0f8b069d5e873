"""A lean ASGI handler for the machine-to-machine paths, and the rule that picks them (ADR 0012).

Under ASGI, Django's handler runs settings.MIDDLEWARE as an async chain: every `MiddlewareMixin`
runs its hooks through `sync_to_async`, one thread hop each, and a sync view is one more. A JSON API
request paid about 16 hops, plus session, user, CSRF and messages work it never uses. The paths in
settings.API_PATH_PREFIXES (team-API-key and embed-key JSON APIs, the API channel, the benchmark
baseline) never read cookies, so `ApiHandler` serves them with settings.API_MIDDLEWARE built as ONE
synchronous chain, like WSGI's: a single hop to the request's thread runs the middleware, URL
resolution, the view and Django's error responses and logging. An async view is called back on the
event loop (`async_to_sync`, one more hop), and a response streamed from an async iterator (the SSE
views) is still sent by the event loop as it is produced, after the chain has returned.

Only public means: Django's `ASGIHandler` reads the request and sends the response as usual; its
`get_response_async` is replaced by a chain built with the documented middleware protocol
(`Middleware(get_response)`, `process_exception`), `django.urls.resolve`, and Django's own
exception-to-response conversion (404/403/400/500 handlers, `got_request_exception`) and
`log_response`. The full MIDDLEWARE chain Django's constructor builds is never entered.

A view reached through this handler has no `request.session` and no `request.user` from Django
auth: a path routed here by mistake fails closed (no cookie login, so nothing for CSRF to protect).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import resolve, set_urlconf
from django.utils.log import log_response
from django.utils.module_loading import import_string

Handler = Callable[[HttpRequest], Any]  # a response (convert_exception_to_response is typed for async too)


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
    """Django's ASGI handler answering through settings.API_MIDDLEWARE as one sync chain around sync
    views."""

    def __init__(self) -> None:
        super().__init__()
        self.exception_hooks: list[Callable[[HttpRequest, Exception], HttpResponseBase | None]] = []
        chain: Handler = convert_exception_to_response(self.view_response)
        for middleware_path in reversed(settings.API_MIDDLEWARE):
            middleware = import_string(middleware_path)
            if not getattr(middleware, "sync_capable", True):
                raise ImproperlyConfigured(f"{middleware_path} is async-only; API_MIDDLEWARE must run synchronously")
            try:
                instance = middleware(chain)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view") or hasattr(instance, "process_template_response"):
                raise ImproperlyConfigured(f"{middleware_path}: API_MIDDLEWARE supports process_exception only")
            if hasattr(instance, "process_exception"):
                self.exception_hooks.append(instance.process_exception)  # innermost first, as Django calls them
            chain = convert_exception_to_response(instance)
        self.chain = chain

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # The whole chain on the request's own thread, the one a sync view would run on under the
        # normal handler too.
        return await sync_to_async(self.response, thread_sensitive=True)(request)

    def response(self, request: HttpRequest) -> HttpResponseBase:
        """What `BaseHandler.get_response` does, with the API chain."""
        set_urlconf(settings.ROOT_URLCONF)
        response = self.chain(request)
        request.close()  # uploaded files: the view is done with them
        if response.status_code >= 400:
            log_response(
                "%s: %s",
                response.reason_phrase,
                request.path,
                response=response,
                request=request,  # type: ignore[arg-type]
            )
        return response

    def view_response(self, request: HttpRequest) -> HttpResponseBase:
        """The view's response; an exception goes to the middlewares' `process_exception` hooks,
        then (raised on) to Django's conversion into the 404/403/400/500 responses."""
        match = resolve(request.path_info)
        request.resolver_match = match
        try:
            if iscoroutinefunction(match.func):
                response = async_to_sync(match.func)(request, *match.args, **match.kwargs)
            else:
                response = match.func(request, *match.args, **match.kwargs)
        except Exception as error:
            for hook in self.exception_hooks:
                handled = hook(request, error)
                if handled is not None:
                    return handled
            raise
        if response is None:
            raise ValueError(f"The view {match.func!r} returned None instead of an HttpResponse")
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            response = render()  # a TemplateResponse
        return response
