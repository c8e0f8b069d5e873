"""The static file middleware runs natively in an async chain: no thread hop for other requests."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.test import RequestFactory

from apps.web.static_files import AsyncCapableWhiteNoiseMiddleware


def run_async(awaitable):
    """On a thread of its own: browser tests may leave an event loop running on this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, awaitable).result()


async def inner(request):
    return HttpResponse("from the view")


def test_in_an_async_chain_it_is_a_coroutine_that_serves_static_files_and_passes_the_rest(tmp_path, settings):
    settings.WHITENOISE_AUTOREFRESH = False
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "app.js").write_text("console.log(1)")
    middleware = AsyncCapableWhiteNoiseMiddleware(inner)
    middleware.add_files(str(tmp_path), prefix="/static/test/")
    assert iscoroutinefunction(middleware)

    static = run_async(middleware(RequestFactory().get("/static/test/app.js")))
    assert static.status_code == 200
    assert b"".join(static.streaming_content) == b"console.log(1)"
    page = run_async(middleware(RequestFactory().get("/a/team/")))
    assert page.content == b"from the view"


def test_in_a_sync_chain_it_stays_sync(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    middleware = AsyncCapableWhiteNoiseMiddleware(lambda request: HttpResponse("sync view"))
    assert not iscoroutinefunction(middleware)
    assert middleware(RequestFactory().get("/a/team/")).content == b"sync view"
