import io
import json

import pytest

from apps.pipelines import actions
from apps.pipelines.models import Pipeline
from apps.pipelines.tests.graphs import linear, node
from apps.trace.models import Trace

pytestmark = pytest.mark.django_db


def url(team, *parts) -> str:
    return f"/a/{team.slug}/pipelines/" + "".join(f"{part}/" for part in parts)


def test_create_run_version_export_and_import(admin_client, team):
    response = admin_client.post(url(team), {"name": "Greeter"})
    pipeline = Pipeline.objects.get(team=team)
    assert response["Location"] == url(team, pipeline.pk)
    actions.save_pipeline_data(
        pipeline=pipeline,
        data=linear(node("t", "render_template", template_string="Hi {{ input }}")).to_dict(),
        expected_revision=1,
    )
    result = admin_client.post(url(team, pipeline.pk, "run"), {"message": "Esi"}, HTTP_HX_REQUEST="true")
    html = result.content.decode()
    assert "Hi Esi" in html
    trace = Trace.objects.get(team=team)
    assert f"/a/{team.slug}/traces/{trace.pk}/" in html
    assert "Hi Esi" in admin_client.get(f"/a/{team.slug}/traces/{trace.pk}/").content.decode()

    admin_client.post(url(team, pipeline.pk, "versions"), {"description": "first"})
    assert pipeline.versions.get().version_number == 1

    exported = admin_client.get(url(team, pipeline.pk, "export")).content
    upload = io.BytesIO(exported)
    upload.name = "greeter.json"
    response = admin_client.post(url(team, "import"), {"file": upload, "name": "Copy"})
    assert Pipeline.objects.filter(team=team, name="Copy", working_version=None).exists()


def test_bad_input_is_a_field_error(admin_client, team):
    assert admin_client.post(url(team), {"name": ""}).status_code == 400
    upload = io.BytesIO(b"not json")
    upload.name = "x.json"
    response = admin_client.post(url(team, "import"), {"file": upload})
    assert response.status_code == 400
    assert "not JSON" in response.content.decode()
    upload = io.BytesIO(json.dumps({"format": "other"}).encode())
    upload.name = "x.json"
    assert "Not a pipeline export" in admin_client.post(url(team, "import"), {"file": upload}).content.decode()
    pipeline = actions.create_pipeline(team=team, name="p")
    response = admin_client.post(url(team, pipeline.pk, "run"), {"message": "", "participant_data": "[1]"})
    assert response.status_code == 400


def test_an_invalid_pipeline_shows_its_issues(admin_client, team):
    pipeline = actions.create_pipeline(team=team, name="Broken")  # Start and End, unconnected
    page = admin_client.get(url(team, pipeline.pk)).content.decode()
    assert "The End node cannot be reached from the Start node" in page


@pytest.mark.parametrize(
    "content", [b'{"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", b'{"format": "x\\u0000"}', b'{"n": "\\ud800"}']
)
def test_an_import_or_test_run_that_cannot_be_stored_is_a_field_error(admin_client, team, content):
    upload = io.BytesIO(content)
    upload.name = "x.json"
    response = admin_client.post(url(team, "import"), {"file": upload})
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()
    pipeline = actions.create_pipeline(team=team, name="p")
    response = admin_client.post(url(team, pipeline.pk, "run"), {"message": "hi", "participant_data": content.decode()})
    assert response.status_code == 400
    assert Pipeline.objects.filter(team=team).count() == 1
