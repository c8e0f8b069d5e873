"""The builder's JSON endpoints refuse what PostgreSQL cannot store (NUL, lone surrogates) and JSON
nested deeper than MAX_JSON_DEPTH with a 400 naming the field, and save nothing (issue 12 §3)."""

from __future__ import annotations

import json

import pytest

from apps.pipelines.models import Pipeline
from apps.pipelines.tests.test_builder_api import llm_choice, pipeline, post_json, url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _with_name(saved: Pipeline, name_json: str) -> str:
    """The save body with the LLM node's name given as raw JSON text (json.dumps would escape it)."""
    data = json.dumps(saved.data).replace('"name": "assistant"', f'"name": {name_json}', 1)
    return f'{{"data": {data}, "edit_revision": 1}}'


@pytest.mark.parametrize("name", ['"a\\u0000b"', '"a\\udc00b"'])
def test_a_node_name_that_cannot_be_stored_is_a_400_naming_it(admin_client, pipeline, name):  # noqa: F811
    response = post_json(admin_client, url(pipeline, "save/"), _with_name(pipeline, name))
    assert response.status_code == 400
    assert response.json()["field"] == "data.nodes[1].name"
    pipeline.refresh_from_db()
    assert pipeline.edit_revision == 1


def test_a_graph_nested_thousands_deep_is_a_400(admin_client, pipeline):  # noqa: F811
    body = '{"data": {"nodes": ' + "[" * 5_000 + "]" * 5_000 + '}, "edit_revision": 1}'
    response = post_json(admin_client, url(pipeline, "save/"), body)
    assert response.status_code == 400
    assert "Nested more than" in response.json()["error"]
    for path in ("versions/", "test/"):
        assert post_json(admin_client, url(pipeline, path), "[" * 5_000 + "]" * 5_000).status_code == 400


@pytest.mark.parametrize("description", ['"v\\u0000"', '"v\\ud800"'])
def test_a_version_description_that_cannot_be_stored_is_a_400(admin_client, pipeline, description):  # noqa: F811
    response = post_json(admin_client, url(pipeline, "versions/"), f'{{"description": {description}}}')
    assert response.status_code == 400
    assert response.json()["field"] == "description"
    assert not Pipeline.objects.filter(working_version=pipeline).exists()


def test_a_test_run_message_that_cannot_be_stored_is_a_400(admin_client, pipeline):  # noqa: F811
    response = post_json(admin_client, url(pipeline, "test/"), '{"message": "hi\\u0000"}')
    assert response.status_code == 400
    assert response.json()["field"] == "message"
