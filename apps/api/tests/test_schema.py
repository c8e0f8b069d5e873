"""The committed OpenAPI schema (docs/openapi.yml) is the one the code generates."""

import io
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_committed_schema_is_current():
    generated = io.StringIO()
    call_command("spectacular", stdout=generated)
    committed = (Path(settings.BASE_DIR) / "docs" / "openapi.yml").read_text()
    assert generated.getvalue() == committed, "Regenerate: manage.py spectacular --file docs/openapi.yml"


def test_schema_lists_the_public_paths():
    committed = (Path(settings.BASE_DIR) / "docs" / "openapi.yml").read_text()
    for path in [
        "/api/experiments/:",
        "/api/sessions/{id}/:",
        "/api/openai/{experiment_id}/chat/completions:",
        "/channels/api/{experiment_id}/incoming_message:",
        "/api/chat/start/:",
        "/api/chat/{session_id}/{task_id}/poll/:",
        "/api/chat/{session_id}/upload/:",
        "/api/chat/{session_id}/files/{file_id}/content/:",
        "/api/files/{id}/content:",
        "/api/participants:",
        "/api/sessions/{id}/end_experiment_session/:",
        "/api/sessions/{id}/tags/:",
        "/api/sessions/{id}/update_state/:",
    ]:
        assert path in committed


@pytest.mark.django_db
def test_the_schema_is_served_without_credentials(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/participants" in schema["paths"]
    assert "/api/participants/" not in schema["paths"]  # the alias is named once, as in the reference
    schemes = schema["components"]["securitySchemes"]
    assert schemes["embedKeyAuth"]["name"] == "X-Embed-Key"
    assert schemes["sessionTokenAuth"]["name"] == "X-Session-Token"
    assert {"apiKeyAuth", "tokenAuth"} <= set(schemes)


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_our_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/schema/" in html
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js") is not None


def test_schema_types_the_bodies_errors_parameters_and_credentials():
    schema = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yml").read_text())
    paths = schema["paths"]
    openai = paths["/api/openai/{experiment_id}/chat/completions"]["post"]
    assert openai["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CreateChatCompletionResponse"
    )
    assert {"400", "401", "404", "413", "429", "502"} <= set(openai["responses"])
    poll = paths["/api/chat/{session_id}/poll/"]["get"]
    assert {p["name"] for p in poll["parameters"] if p["in"] == "query"} == {"since", "limit"}
    assert poll["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChatPollResponse")
    assert {"403", "404", "429"} <= set(poll["responses"])
    assert {"sessionTokenAuth": []} in poll["security"]
    start = paths["/api/chat/start/"]["post"]
    assert start["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ChatStartSessionResponse"
    )
    assert {"embedKeyAuth": []} in start["security"]
    # The API key in either header: two alternatives, not one requirement naming both.
    assert {"apiKeyAuth": []} in paths["/api/experiments/"]["get"]["security"]
    assert {"tokenAuth": []} in paths["/api/experiments/"]["get"]["security"]


@pytest.mark.django_db(transaction=True)
def test_the_docs_pages_scripts_and_styles_are_served_by_us(live_server):
    import re

    import httpx

    html = httpx.get(f"{live_server.url}/api/docs/").text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert httpx.get(f"{live_server.url}{asset}").status_code == 200, asset
