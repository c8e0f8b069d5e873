"""The OpenAI-compatible endpoint driven by the official Node SDK (`openai` on npm, a dev
dependency), run by node against the live server."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.experiments.tests.factories import simple_chatbot
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.teams.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).parent / "node" / "openai_sdk.mjs"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_node_sdk_completes_streams_and_reads_our_errors(live_server):
    team = TeamFactory()
    chatbot = simple_chatbot(team)
    _, key = create_api_key(team=team, name="node")
    with use_fake_llm("Hello from the bot", "Streamed to node"):
        run = subprocess.run(
            ["node", str(SCRIPT), f"{live_server.url}/api/openai/{chatbot.public_id}", key],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=settings.BASE_DIR,  # where node_modules/openai is
            check=False,
        )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["content"] == "Hello from the bot"
    assert seen["streamed"] == "Streamed to node"
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)
    session = api.get(f"/api/sessions/{seen['id']}/").json()
    assert session["participant"]["identifier"] == "node-user"
    assert seen["error"] == {
        "status": 400,
        "message": "400 The last message must be from the user",
        "param": "messages",
        "type": "invalid_request_error",
    }
