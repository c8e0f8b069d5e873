"""A team admin adds an OpenAI provider, tests it (good key, then bad key), and deletes it."""

import re

import pytest
from playwright.sync_api import expect

from apps.service_providers.tests import openai_wire as wire
from apps.utils.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_test_and_delete_a_provider(page, live_server, admin_user, team, fake_server):
    fake_server.route("POST", "/v1/chat/completions", [wire.completion("OK"), wire.error(401, "Incorrect API key")])
    log_in(page, admin_user, live_server.url)
    page.goto(f"/a/{team.slug}/")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="AI providers").click()

    page.get_by_role("link", name="Add LLM provider").click()
    page.get_by_role("heading", name="OpenAI", exact=True).click()
    page.get_by_role("button", name="Add LLM provider").click()
    expect(page.locator('[data-field-error="api_key"]')).to_be_visible()

    page.get_by_label("Name").fill("OpenAI (fake)")
    page.get_by_label("API key").fill("sk-browser-secret")
    page.get_by_label("API base URL").fill(fake_server.url + "/v1")
    page.get_by_role("button", name="Add LLM provider").click()
    expect(page.locator("#toasts")).to_contain_text("added")
    expect(page.get_by_label("API key")).to_have_value("")  # the saved key is never sent back
    assert "sk-browser-secret" not in page.content()

    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("Connected")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("was rejected")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("^Delete OpenAI")).click()
    expect(page.locator("#toasts")).to_contain_text("deleted")
    expect(page.get_by_test_id("kind-llm")).not_to_contain_text("OpenAI (fake)")
