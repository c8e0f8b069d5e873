"""The published `open-chat-studio-widget` (pinned in package.json, copied into static/vendor by
`npm run build`) on a page of another site gets the fake model's reply through our widget API: once
through a channel at the embed-key level (the widget given the key), once through one at level none."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.channels.models import ExperimentChannel
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDGET_DIR = Path(settings.BASE_DIR, "static/vendor/open-chat-studio-widget")
HOST_PAGE = """<!doctype html><html><head><title>Clinic</title>
<script type="module" src="/widget/open-chat-studio-widget.esm.js"></script></head>
<body><h1>The clinic's own site</h1>
<open-chat-studio-widget chatbot-id="{chatbot_id}" api-base-url="{api}" {key} visible="true"
  persistent-session="false" button-text="Chat with us"></open-chat-studio-widget></body></html>"""


@pytest.fixture
def other_site():
    """A second HTTP server (another port, so another origin) that serves the host page and, beside
    it, our static copy of the widget. `pages[path] = html` sets a page."""
    if not (WIDGET_DIR / "open-chat-studio-widget.esm.js").exists():
        pytest.fail("The widget bundle is missing: run `make assets` (npm run build copies it to static/vendor)")
    pages: dict[str, str] = {}

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path in pages:
                body = pages[self.path].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path.startswith("/widget/"):
                self.path = self.path.removeprefix("/widget")
                return super().do_GET()
            self.send_error(404)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(WIDGET_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("level", [ExperimentChannel.AuthLevel.EMBED_KEY, ExperimentChannel.AuthLevel.NONE])
def test_the_published_widget_on_another_site_gets_a_reply(browser, live_server, other_site, team, level):
    site, pages = other_site
    assert site != live_server.url  # another origin: every widget call is a cross-site one
    chatbot = simple_chatbot(team)
    channel = ExperimentChannel.objects.create(
        team=team,
        experiment=chatbot,
        platform="embedded_widget",
        name="Clinic",
        allowed_origins=[site],
        auth_level=level,
    )
    key = f'embed-key="{channel.embed_key}"' if level == ExperimentChannel.AuthLevel.EMBED_KEY else ""
    pages["/"] = HOST_PAGE.format(chatbot_id=chatbot.public_id, api=live_server.url, key=key)

    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    try:
        page.goto(site + "/")
        composer = page.locator("open-chat-studio-widget textarea")
        with use_fake_llm("Our opening hours are 8 to 5."):
            composer.fill("When are you open?")
            composer.press("Enter")
            expect(page.locator("open-chat-studio-widget")).to_contain_text("Our opening hours are 8 to 5.")
    finally:
        context.close()
    assert not [text for text in refused if "CORS" in text], refused
    session = ExperimentSession.objects.get(experiment=chatbot)
    assert [m.content for m in session.chat.messages.order_by("created_at", "id")] == [
        "When are you open?",
        "Our opening hours are 8 to 5.",
    ]
