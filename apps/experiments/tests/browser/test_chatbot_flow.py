"""A team member creates a simple chatbot, chats with it (the reply streams in), publishes a version and
reads the conversation in the Sessions tab."""

import pytest
from playwright.sync_api import expect

from apps.service_providers.actions import ensure_local_provider
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.utils.browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server speaks WSGI, so Django buffers the async event stream (uvicorn streams it; see
    # test_streaming_asgi.py). The events still arrive in order, which is what this test reads.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous iterators"),
]


def test_create_chat_publish_and_read_the_transcript(page, live_server, admin_user, team):
    ensure_local_provider(team)
    LlmProviderFactory(team=team, name="OpenAI")
    log_in(page, admin_user, live_server.url)
    page.goto(f"/a/{team.slug}/")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Chatbots").click()
    page.get_by_role("link", name="New chatbot").click()

    page.get_by_role("button", name="Create chatbot").click()
    expect(page.locator('[data-field-error="name"]')).to_be_visible()
    page.get_by_label("Name").first.fill("Clinic helper")
    page.get_by_label("Prompt").fill("You are kind.")
    model = page.get_by_label("Model", exact=True)
    expect(model).not_to_contain_text("gpt-4o-mini")  # the local model is the default
    page.get_by_label("AI provider").select_option(label="OpenAI")
    expect(model).to_contain_text("gpt-4o-mini")  # the model list follows the provider
    page.get_by_label("AI provider").select_option(label="Local model")
    expect(model).not_to_contain_text("gpt-4o-mini")
    page.get_by_role("button", name="Create chatbot").click()
    expect(page.locator("#toasts")).to_contain_text("Chatbot “Clinic helper” created.")
    expect(page.get_by_text("No sessions yet")).to_be_visible()

    page.get_by_role("button", name="Chat", exact=True).click()
    message = page.get_by_label("Message", exact=True)
    with use_fake_llm("Hello! I can **help** you today."), page.expect_response(lambda r: "/stream/" in r.url) as sent:
        message.fill("Hi there")
        message.press("Enter")
        reply = page.locator("[data-role=ai]").last
        expect(reply).to_contain_text("Hello! I can help you today.")
    expect(reply.locator("strong")).to_have_text("help")  # markdown rendered
    expect(reply.get_by_role("link", name="trace")).to_be_visible()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    body = sent.value.text()
    assert body.count("event: token") == 6
    assert "event: done" in body
    expect(message).to_be_empty()

    page.get_by_role("link", name="Clinic helper").click()
    page.get_by_role("tab", name="Versions").click()
    page.get_by_label("Description").fill("First release")
    page.get_by_label("Publish this version").check()
    page.get_by_role("button", name="Create version").click()
    expect(page.locator("#toasts")).to_contain_text("Version 1 created and published.")
    expect(page.get_by_test_id("published-badge")).to_have_text("version 1")

    page.get_by_role("tab", name="Sessions").click()
    page.get_by_test_id("sessions").get_by_role("link", name=admin_user.email).click()
    transcript = page.get_by_test_id("transcript")
    expect(transcript).to_contain_text("Hi there")
    expect(transcript).to_contain_text("Hello! I can help you today.")
    expect(transcript.locator("strong")).to_have_text("help")  # replies are rendered as markdown
    expect(transcript.get_by_role("link", name="trace")).to_be_visible()
