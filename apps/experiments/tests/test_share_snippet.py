"""The Share tab's embed code: the whole snippet, a copy button, and the pinned widget served by this
server (never a CDN)."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from apps.channels.models import ExperimentChannel
from apps.experiments.tests.factories import simple_chatbot

pytestmark = pytest.mark.django_db


def test_the_snippet_loads_the_pinned_widget_from_this_server(admin_client, team):
    chatbot = simple_chatbot(team)
    channel = ExperimentChannel.objects.create(
        team=team, experiment=chatbot, platform="embedded_widget", name="Site", allowed_origins=["https://a.example"]
    )
    page = admin_client.get(f"/a/{team.slug}/chatbots/{chatbot.pk}/share/", HTTP_HOST="chat.example.org")
    html = page.content.decode()
    script = "http://chat.example.org/static/vendor/open-chat-studio-widget/open-chat-studio-widget.esm.js"
    assert f'src="{script}"' in html
    assert "unpkg" not in html
    assert "@latest" not in html
    assert f'embed-key="{channel.embed_key}"' in html
    assert html.count('data-testid="copy-embed-code"') == 1
    # wrapped, not scrolled: every line of the snippet is in view
    assert "whitespace-pre-wrap" in html
    assert "overflow-x-auto" not in html


def test_the_widget_is_pinned_and_built_into_static_files():
    package = json.loads((settings.BASE_DIR / "package.json").read_text())
    assert package["dependencies"]["open-chat-studio-widget"] == "0.6.0"  # exact: what the tests exercised
    assert "vendor-widget" in package["scripts"]["build"]
    built = Path(settings.BASE_DIR, "static/vendor/open-chat-studio-widget/open-chat-studio-widget.esm.js")
    assert built.exists(), "run `make assets` (npm run build copies the widget into static/vendor)"


def test_the_widget_bundle_may_be_loaded_by_another_site(client):
    # The snippet's <script type="module"> runs on the embedding site: a module script from another
    # origin loads only with CORS, which WhiteNoise adds to every static file.
    response = client.get(
        "/static/vendor/open-chat-studio-widget/open-chat-studio-widget.esm.js", HTTP_ORIGIN="https://a.example"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "javascript" in response["Content-Type"]
