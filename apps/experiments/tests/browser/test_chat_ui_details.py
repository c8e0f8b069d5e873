"""Details of the chat and Share pages in a browser: Stop while a reply streams keeps the partial reply,
marked stopped; the Share tab's Copy buttons put the shown link and snippet on the clipboard; long
unbroken text stays inside its chat bubble."""

import time

import pytest
from playwright.sync_api import expect

from apps.chat.models import ChatMessage
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.utils.browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous iterators"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators"),
]

# Where a bubble's text reaches past the bubble's box, and the bubble's scrollWidth and clientWidth. The
# text is measured with a Range: a sent (chat-end) bubble's tail is drawn past its right edge on purpose,
# which counts in its own scrollWidth, so scrollWidth is compared only for replies (tail on the left).
BUBBLE_OVERFLOW = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const text = range.getBoundingClientRect(), box = element.getBoundingClientRect();
  return {
    past: Math.max(0, text.right - box.right, box.left - text.left),
    reply: element.closest("[data-role=ai]") !== null,
    scroll: element.scrollWidth,
    client: element.clientWidth,
  };
}"""


def assert_bubbles_contain_their_text(page) -> None:
    bubbles = page.locator(".chat-bubble")
    expect(bubbles).not_to_have_count(0)
    for index in range(bubbles.count()):
        found = bubbles.nth(index).evaluate(BUBBLE_OVERFLOW)
        assert found["past"] < 1, f"bubble {index}'s text overflows it: {found}"
        if found["reply"]:
            assert found["scroll"] <= found["client"], f"bubble {index} overflows: {found}"


def open_chat(page, base_url: str, user, chatbot) -> None:
    log_in(page, user, base_url)
    page.goto(f"/a/{chatbot.team.slug}/chatbots/{chatbot.pk}/")
    page.get_by_role("button", name="Chat", exact=True).click()
    expect(page.get_by_label("Message", exact=True)).to_be_visible()


def send(page, text: str) -> None:
    message = page.get_by_label("Message", exact=True)
    message.fill(text)
    message.press("Enter")


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_stop_while_a_reply_streams_keeps_the_partial_reply_marked_stopped(
    browser, asgi_server, admin_user, chatbot, gate
):
    # uvicorn streams tokens as they come (the WSGI live server would buffer the whole reply).
    context = browser.new_context(base_url=asgi_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_chat(page, asgi_server, admin_user, chatbot)
    with use_fake_llm("one two three four"):
        send(page, "Count for me")
        reply = page.locator("[data-role=ai]").last
        expect(reply).to_contain_text("one")  # the model now waits at the gate, mid-reply
        page.get_by_role("button", name="Stop").click()
        expect(reply).to_have_attribute("data-stopped", "true")
        expect(page.get_by_role("button", name="Stop")).to_be_hidden()
        label = reply.evaluate("element => getComputedStyle(element, '::after').content")
        assert label == '"Stopped"'
        gate.set()
        replies = ChatMessage.objects.filter(message_type="ai", reply_to__content="Count for me")
        deadline = time.monotonic() + 10
        while not replies.exists():
            assert time.monotonic() < deadline, "the stopped reply was not stored"
            time.sleep(0.05)
    stored = replies.get()
    assert (stored.content, stored.metadata.get("stopped")) == ("one", True)

    page.reload()
    reply = page.locator("[data-role=ai]").last
    expect(reply.locator(".chat-bubble")).to_have_text("one")
    expect(reply).to_have_attribute("data-stopped", "true")
    context.close()


def test_share_tab_copy_buttons_put_the_shown_link_and_snippet_on_the_clipboard(
    browser, live_server, admin_user, chatbot
):
    context = browser.new_context(base_url=live_server.url, permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, admin_user, live_server.url)
    page.goto(f"/a/{chatbot.team.slug}/chatbots/{chatbot.pk}/share/")

    link = page.get_by_label("Public link").input_value()
    assert link.startswith(live_server.url)
    assert str(chatbot.public_id) in link
    page.get_by_test_id("copy-public-url").click()
    expect(page.get_by_test_id("copy-public-url")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    snippet = page.get_by_test_id("embed-code").inner_text()
    assert "<open-chat-studio-widget" in snippet
    assert str(chatbot.public_id) in snippet
    page.get_by_test_id("copy-embed-code").click()
    expect(page.get_by_test_id("copy-embed-code")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    context.close()


def test_long_unbroken_text_stays_inside_its_chat_bubble(page, live_server, admin_user, chatbot):
    page.set_viewport_size({"width": 390, "height": 844})
    open_chat(page, live_server.url, admin_user, chatbot)
    long_word = "https://example.org/" + "a" * 300
    with use_fake_llm(f"See {long_word} for more."):
        send(page, "x" * 400)
        expect(page.locator("[data-role=ai]").last).to_contain_text("for more.")
    page.screenshot(path="/tmp/i13ui_shots/chat_long_words.png")
    assert_bubbles_contain_their_text(page)
    no_sideways_scroll(page)
    page.reload()  # the stored messages, rendered by the server, wrap as well
    expect(page.locator("[data-role=ai]").last).to_contain_text("for more.")
    assert_bubbles_contain_their_text(page)
    no_sideways_scroll(page)
