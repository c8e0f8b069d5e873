"""A member attaches a file in the team chat: it uploads, the message goes with its id, the bot sees its
text, and the chip links to the download."""

import pytest
from playwright.sync_api import expect

from apps.experiments.sessions import start_web_chat
from apps.experiments.tests.factories import simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.utils.browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous iterators"),
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_attach_a_file_and_send_it(page, live_server, admin_user, team):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    session = start_web_chat(experiment=chatbot, identifier=admin_user.email, consent_given=True)
    log_in(page, admin_user, live_server.url)
    page.goto(f"/a/{team.slug}/chatbots/{chatbot.pk}/chat/{session.public_id}/")

    page.locator("[data-chat-file-input]").set_input_files(
        {"name": "plan.txt", "mimeType": "text/plain", "buffer": b"Take two tablets daily."}
    )
    expect(page.get_by_test_id("chat-files")).to_contain_text("plan.txt")
    message = page.get_by_label("Message", exact=True)
    with use_fake_llm(), page.expect_response(lambda r: "/stream/" in r.url):  # the fake echoes its input
        message.fill("What does it say?")
        message.press("Enter")
        expect(page.locator("[data-role=ai]").last).to_contain_text("Take two tablets daily.")
    expect(page.get_by_test_id("chat-files")).to_be_hidden()
    expect(page.locator("[data-role=human]").last.locator("[data-attachment]")).to_have_text("📎 plan.txt")

    page.reload()  # the history shows the chip, linked to the download
    chip = page.locator("[data-role=human] a[data-attachment]")
    expect(chip).to_have_text("📎 plan.txt")
    with page.expect_download() as download:
        chip.click()
    assert download.value.suggested_filename == "plan.txt"
