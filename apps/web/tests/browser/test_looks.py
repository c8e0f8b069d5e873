"""The app's looks in a browser: one icon set (Lucide, inlined by the server, no CDN) on the navigation and
main actions, and empty lists that say what to do next with the action to do it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.experiments.tests.factories import simple_chatbot
from apps.utils.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_navigation_and_main_actions_carry_lucide_icons_served_by_us(page, live_server, admin_user, team):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, admin_user, live_server.url)
    page.goto(reverse("chatbots:list", args=[team.slug]))

    links = page.get_by_role("navigation", name="Main navigation").get_by_role("link")
    expect(links).not_to_have_count(0)
    for index in range(links.count()):
        expect(links.nth(index).locator("svg.lucide")).to_have_count(1)
    expect(page.get_by_role("link", name="Chatbots")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="New chatbot").locator("svg.lucide-plus")).to_have_count(1)
    page.screenshot(path="/tmp/i13ui_shots/chatbots_empty.png")
    assert requested, "no request was seen"
    assert all(url.startswith(live_server.url) for url in requested), [u for u in requested if live_server.url not in u]


EMPTY_PAGES = [
    # (URL name, the sentence's start, the action, where the action leads)
    ("chatbots:list", "A chatbot answers your participants", "New chatbot", "/chatbots/new/"),
    ("participants:list", "People appear here when", "Go to your chatbots", "/chatbots/"),
    ("trace:list", "Every pipeline run records a trace", "Go to your chatbots", "/chatbots/"),
    ("pipelines:list", "A pipeline is the graph of steps", "Create a pipeline", "#new-pipeline"),
    ("api_keys:list", "An API key lets your own code", "Create a key", "#new-key"),
    ("chatbots:consent_forms", "What a participant reads", "New consent form", "/consent-forms/new/"),
]


@pytest.mark.parametrize(("url_name", "sentence", "action", "target"), EMPTY_PAGES)
def test_an_empty_list_says_what_to_do_next(page, live_server, admin_user, team, url_name, sentence, action, target):
    log_in(page, admin_user, live_server.url)
    page.goto(reverse(url_name, args=[team.slug]))
    empty = page.get_by_test_id("empty-state")
    expect(empty).to_contain_text(sentence)
    expect(empty.locator("svg.lucide").first).to_be_visible()
    button = empty.get_by_role("link", name=action)
    expect(button).to_have_class("btn btn-primary btn-sm")
    assert button.get_attribute("href").endswith(target)


def test_a_chatbot_without_sessions_offers_a_chat(page, live_server, admin_user, team):
    chatbot = simple_chatbot(team)
    log_in(page, admin_user, live_server.url)
    page.goto(reverse("chatbots:detail", args=[team.slug, chatbot.pk]))
    empty = page.get_by_test_id("empty-state")
    expect(empty).to_contain_text("Chat with it yourself, or share it from the Share tab.")
    empty.get_by_role("button", name="Chat with it").click()
    expect(page.get_by_label("Message", exact=True)).to_be_visible()


def test_an_empty_provider_section_says_how_to_add_one(page, live_server, admin_user, team):
    log_in(page, admin_user, live_server.url)
    page.goto(reverse("service_providers:list", args=[team.slug]))
    section = page.get_by_test_id("kind-llm")
    empty = section.get_by_test_id("empty-state")
    expect(empty).to_have_text("None yet. Add one with the button above to use it in your chatbots.")
    section.get_by_role("link", name="Add LLM provider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add LLM provider")
