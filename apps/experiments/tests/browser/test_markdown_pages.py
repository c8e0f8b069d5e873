"""Markdown on server-rendered pages: the consent form editor's live preview and AI replies in a
transcript."""

import pytest
from playwright.sync_api import expect

from apps.chat.models import ChatMessage
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.utils.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consent_preview_and_transcript_markdown(page, live_server, admin_user, team):
    log_in(page, admin_user, live_server.url)
    page.goto(f"/a/{team.slug}/")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Consent forms").click()
    page.get_by_role("link", name="New consent form").click()
    page.get_by_label("Name").fill("Study consent")
    page.get_by_label("Consent text").fill("We keep messages for **30 days**.\n\n- you may stop any time")
    preview = page.get_by_test_id("markdown-preview")
    expect(preview.locator("strong")).to_have_text("30 days")
    expect(preview.locator("li")).to_have_text("you may stop any time")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#toasts")).to_contain_text("Consent form “Study consent” created.")

    chatbot = simple_chatbot(team)
    session = session_for(chatbot)
    ChatMessage.objects.create(team=team, chat=session.chat, message_type="ai", content="Take **two** <b>pills</b>")
    page.goto(f"/a/{team.slug}/chatbots/{chatbot.pk}/sessions/{session.public_id}/")
    bubble = page.locator('[data-message-type="ai"] .chat-bubble')
    expect(bubble.locator("strong")).to_have_text("two")
    expect(bubble).to_contain_text("<b>pills</b>")  # escaped, never HTML
