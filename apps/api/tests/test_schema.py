"""The committed OpenAPI schema (docs/openapi.yml) is the one the code generates."""

import io
from pathlib import Path

from django.conf import settings
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
