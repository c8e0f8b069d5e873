"""The real ASGI entry point (`config.asgi.application`, what uvicorn serves), driven through httpx.

Django's test client and the WSGI live server bypass `config.asgi`, so these are the tests of the
split: API paths go to the lean handler (SecurityMiddleware and CommonMiddleware as one sync chain,
no session, user or CSRF), pages and widget API requests with cookies to the full MIDDLEWARE (ADR 0012). That tokens
reach a client while the model is still writing is shown over uvicorn in test_openai_api.py."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from asgiref import sync as asgiref_sync
from django.http import JsonResponse, StreamingHttpResponse
from django.test import Client
from django.urls import include, path

import config.asgi
from apps.channels.models import ExperimentChannel
from apps.service_providers.testing.fake_llm import use_fake_llm
from config.asgi_routing import is_api_path

# The handlers run views on threads of their own, whose connections cannot see a test transaction.
real_db = pytest.mark.django_db(transaction=True)
ORIGIN = "https://clinic.example.org"


def run_async(awaitable):
    """On a thread of its own: browser tests may leave an event loop running on this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, awaitable).result()


def call(method: str, url: str, app=None, **kwargs) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app or config.asgi.application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, url, **kwargs)

    return run_async(send())


@pytest.fixture
def served_by(monkeypatch) -> list[str]:
    """Which handler answered each request: "api" (lean) or "django" (full stack)."""
    names: list[str] = []
    for label in ("api", "django"):
        handler = getattr(config.asgi, f"{label}_application")

        async def spy(scope, receive, send, handler=handler, label=label):
            names.append(label)
            await handler(scope, receive, send)

        monkeypatch.setattr(config.asgi, f"{label}_application", spy)
    return names


@real_db
def test_an_api_channel_message_gets_a_reply(api_key, chatbot, served_by):
    with use_fake_llm("Hello from ASGI"):
        response = call(
            "POST",
            f"/channels/api/{chatbot.public_id}/incoming_message",
            json={"message": "Hi"},
            headers={"X-Api-Key": api_key},
        )
    assert response.status_code == 200, response.text
    assert response.json()["response"] == "Hello from ASGI"
    assert served_by == ["api"]


@real_db
def test_an_openai_stream_sends_chunks_ending_with_done(api_key, chatbot, served_by):
    with use_fake_llm("one two three"):
        response = call(
            "POST",
            f"/api/openai/{chatbot.public_id}/chat/completions",
            json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "count"}]},
            headers={"Authorization": f"Bearer {api_key}"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    events = [block.removeprefix("data: ") for block in response.text.split("\n\n") if block]
    assert events[-1] == "[DONE]"
    deltas = [json.loads(event)["choices"][0]["delta"].get("content") for event in events[:-1]]
    assert [delta for delta in deltas if delta] == ["one", " two", " three"]
    assert served_by == ["api"]


@real_db
def test_api_responses_carry_the_security_headers_and_set_no_cookie(api_key, served_by):
    response = call("GET", "/api/experiments/", headers={"X-Api-Key": api_key})
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "set-cookie" not in response.headers
    assert served_by == ["api"]


@real_db
def test_append_slash_under_api_behaves_as_on_the_full_stack(api_key):
    headers = {"X-Api-Key": api_key}
    lean = call("GET", "/api/experiments", headers=headers)
    full = call("GET", "/api/experiments", headers=headers, app=config.asgi.django_application)
    assert (lean.status_code, lean.headers["Location"]) == (full.status_code, full.headers["Location"])
    assert (lean.status_code, lean.headers["Location"]) == (301, "/api/experiments/")
    # Routes without a trailing slash (as in the reference API) are answered, not redirected.
    assert call("GET", "/api/participants", headers=headers).status_code == 200
    assert call("GET", "/api/nothing-here/").status_code == 404


@real_db
def test_a_web_page_still_gets_the_full_stack(served_by):
    response = call("GET", "/accounts/login/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert response.headers["X-Frame-Options"] == "DENY"
    assert served_by == ["django"]


@pytest.fixture
def widget(team, chatbot):
    return ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=[ORIGIN]
    )


@real_db
def test_a_widget_on_another_site_gets_the_lean_stack_with_its_cors_answers(widget, chatbot, served_by):
    """A participant's widget sends no cookies to our site: no session to read, so the lean stack."""
    preflight = call("OPTIONS", "/api/chat/start/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Embed-Key" in preflight.headers["Access-Control-Allow-Headers"]
    started = call(
        "POST",
        "/api/chat/start/",
        json={"chatbot_id": str(chatbot.public_id)},
        headers={"Origin": ORIGIN, "X-Embed-Key": widget.embed_key},
    )
    assert started.status_code == 201
    assert started.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert started.json()["session_token"]
    session_id = started.json()["session_id"]
    token = started.json()["session_token"]
    with use_fake_llm("Hello from the lean stack"):
        sent = call(
            "POST",
            f"/api/chat/{session_id}/message/",
            json={"message": "Hi"},
            headers={"Origin": ORIGIN, "X-Embed-Key": widget.embed_key, "X-Session-Token": token},
        )
    assert sent.status_code == 202, sent.text
    assert sent.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert served_by == ["api", "api", "api"]


@real_db
def test_a_members_browser_session_is_trusted_by_the_widget_api(admin_user, chatbot, served_by):
    """Why /api/chat/ with cookies takes the full stack: the widget API also takes a member's session
    (ADR 0010)."""
    browser = Client()
    browser.force_login(admin_user)

    async def start() -> httpx.Response:
        transport = httpx.ASGITransport(app=config.asgi.application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.cookies.set("sessionid", browser.cookies["sessionid"].value)
            page = await client.get("/accounts/login/", follow_redirects=True)  # signed in: to their home
            assert page.status_code == 200
            assert "csrftoken" in client.cookies  # set by the page, as a browser would get it
            return await client.post(
                "/api/chat/start/",
                json={"chatbot_id": str(chatbot.public_id)},
                headers={"X-CSRFToken": client.cookies["csrftoken"], "Origin": "http://testserver"},
            )

    started = run_async(start())
    assert started.status_code == 201, started.text
    assert started.json()["session_token"] is None  # trusted: team credentials
    assert served_by[-1] == "django"


# A URLconf for the tests below: the same probe behind an API prefix and behind a page path.
def probe(request):
    return JsonResponse({"session": hasattr(request, "session"), "user": hasattr(request, "user")})


gate = asyncio.Event()


async def async_stream(request):
    async def tokens():
        yield b"one"
        await gate.wait()
        yield b"two"

    return StreamingHttpResponse(tokens(), content_type="text/event-stream")


probe_urls = [path("probe/", probe), path("stream/", async_stream)]
urlpatterns = [path("api/", include(probe_urls)), path("", include(probe_urls))]


@pytest.fixture
def probe_urlconf(settings):
    settings.ROOT_URLCONF = __name__


def test_api_views_see_no_session_and_no_user(probe_urlconf):
    assert call("GET", "/api/probe/").json() == {"session": False, "user": False}
    assert call("GET", "/probe/").json() == {"session": True, "user": True}


def test_an_async_view_on_the_lean_stack_streams_as_it_goes(probe_urlconf):
    async def drive() -> tuple[list[bytes], list[bytes]]:
        scope = {"type": "http", "method": "GET", "path": "/api/stream/", "headers": [], "query_string": b""}
        chunks: list[bytes] = []
        first = asyncio.Event()
        requested = [{"type": "http.request", "body": b""}]

        async def receive():
            return requested.pop() if requested else await asyncio.Event().wait()

        async def send(message):
            if message.get("body"):
                chunks.append(message["body"])
                first.set()

        gate.clear()
        task = asyncio.create_task(config.asgi.application(scope, receive, send))
        await asyncio.wait_for(first.wait(), 10)
        before_gate = list(chunks)
        gate.set()
        await asyncio.wait_for(task, 10)
        return before_gate, chunks

    before_gate, chunks = run_async(drive())
    assert before_gate == [b"one"]
    assert chunks == [b"one", b"two"]


def test_a_sync_api_view_costs_few_thread_hops(probe_urlconf, monkeypatch):
    hops = []
    hop = asgiref_sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(self.func)
        return await hop(self, *args, **kwargs)

    monkeypatch.setattr(asgiref_sync.SyncToAsync, "__call__", counted)
    call("GET", "/probe/")
    full = len(hops)
    hops.clear()
    call("GET", "/api/probe/")
    # request_started's receivers, the whole chain with the view, response.close().
    assert len(hops) <= 3 < full


@pytest.mark.parametrize(
    ("scope", "lean"),
    [
        ({"type": "http", "path": "/api/experiments/"}, True),
        ({"type": "http", "path": "/channels/api/x/incoming_message"}, True),
        ({"type": "http", "path": "/api"}, False),
        ({"type": "http", "path": "/api/chat/start/", "headers": [(b"origin", b"https://x.org")]}, True),
        ({"type": "http", "path": "/api/chat/start/", "headers": [(b"cookie", b"sessionid=1")]}, False),
        ({"type": "http", "path": "/a/team/"}, False),
        ({"type": "http", "path": "/mount/api/experiments/", "root_path": "/mount"}, True),
        ({"type": "websocket", "path": "/api/experiments/"}, False),
        ({"type": "lifespan"}, False),
    ],
)
def test_which_requests_are_api_requests(scope, lean):
    assert is_api_path(scope) is lean
