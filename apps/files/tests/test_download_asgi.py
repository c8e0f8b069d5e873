"""Under a real ASGI server (uvicorn, as in production) a download streams the file in chunks, with
its headers, and the bytes arrive whole."""

import httpx
import pytest

from apps.api.keys import create_api_key
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.testing import upload
from apps.files.views import CHUNK_BYTES

# The server's threads use their own database connections: they must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_file_downloads_whole_over_asgi(asgi_server, team, admin_user):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    line = b"dose,time\n2,08:00\n"
    content = line * (CHUNK_BYTES * 3 // len(line) + 7)  # several chunks and a partial one
    [file] = actions.store_upload(session=session_for(chatbot), files=[upload("data (1).csv", content, "text/csv")])
    key = create_api_key(team=team, name="tests", created_by=admin_user)[1]
    client = httpx.Client(base_url=asgi_server, timeout=10, headers={"X-Api-Key": key})
    with client, client.stream("GET", f"/api/files/{file.pk}/content") as response:
        assert response.status_code == 200
        body = b"".join(response.iter_raw())
    assert body == content
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["Content-Type"] == file.content_type
    assert response.headers["Content-Disposition"] == 'attachment; filename="data (1).csv"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
