import os

import pytest

from apps.teams import roles
from apps.utils.browser import CHROMIUM_FLAGS, chromium_path
from apps.utils.factories.team import MembershipFactory, TeamFactory
from apps.utils.factories.user import UserFactory


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
