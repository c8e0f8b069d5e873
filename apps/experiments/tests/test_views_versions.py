"""The Versions tab: create (and publish), publish, compare, revert."""

import pytest

from apps.experiments.models import Experiment
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(team, chatbot, *parts) -> str:
    return f"/a/{team.slug}/chatbots/{chatbot.pk}/versions/" + "".join(f"{part}/" for part in parts)


def set_reply(chatbot, text: str) -> None:
    pipeline = chatbot.pipeline
    pipeline.refresh_from_db()
    data = linear(node("t", "render_template", template_string=text)).to_dict()
    pipeline_actions.save_pipeline_data(pipeline=pipeline, data=data, expected_revision=pipeline.edit_revision)


def test_create_publish_compare_and_revert(admin_client, team, chatbot):
    set_reply(chatbot, "one")
    response = admin_client.post(url(team, chatbot, "new"), {"description": "First", "publish": "on"})
    assert response["Location"] == url(team, chatbot)
    v1 = chatbot.versions.get()
    assert (v1.version_number, v1.version_description, v1.is_published) == (1, "First", True)
    html = admin_client.get(url(team, chatbot)).content.decode()
    assert "Version 1 created and published." in html
    assert 'data-testid="published-badge">version 1<' in html

    chatbot.refresh_from_db()
    chatbot.name = "Renamed"
    chatbot.save()
    set_reply(chatbot, "two")
    admin_client.post(url(team, chatbot, "new"), {"description": "Second"})
    v2 = chatbot.versions.get(version_number=2)
    assert not v2.is_published

    admin_client.post(url(team, chatbot, 2, "publish"))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.is_published, v2.is_published) == (False, True)

    comparison = admin_client.get(url(team, chatbot), {"a": 1, "b": 2}).content.decode()
    assert 'data-field="name"' in comparison
    assert "Helper" in comparison
    assert "Renamed" in comparison
    assert 'data-field="pipeline"' in comparison
    assert "settings differ: t" in comparison
    assert ">differs<" in comparison
    assert 'data-field="is_archived"' not in comparison
    assert 'data-field="public_id"' not in comparison
    same = admin_client.get(url(team, chatbot), {"a": 2, "b": 0}).content.decode()
    assert "Version 2 and Working copy are the same." in same
    assert ">identical<" in same
    assert admin_client.get(url(team, chatbot), {"a": 1, "b": 7}).status_code == 404
    assert admin_client.get(url(team, chatbot), {"a": "x", "b": 1}).status_code == 400

    admin_client.post(url(team, chatbot, 1, "revert"))
    chatbot.refresh_from_db()
    chatbot.pipeline.refresh_from_db()
    assert chatbot.name == "Helper"
    assert chatbot.pipeline.data["nodes"][1]["params"]["template_string"] == "one"
    assert chatbot.versions.count() == 2


def test_errors_are_messages_not_500s(admin_client, team, chatbot):
    broken = chatbot.pipeline
    pipeline_actions.save_pipeline_data(
        pipeline=broken, data=linear().to_dict() | {"edges": []}, expected_revision=broken.edit_revision
    )
    response = admin_client.post(url(team, chatbot, "new"), {"description": "x"}, follow=True)
    assert "Fix the pipeline first" in response.content.decode()
    assert not chatbot.versions.exists()
    assert admin_client.post(url(team, chatbot, 0, "publish"), follow=True).status_code == 200
    assert admin_client.post(url(team, chatbot, 5, "publish")).status_code == 404
    assert admin_client.post(url(team, chatbot, 5, "revert")).status_code == 404
    assert admin_client.get(url(team, chatbot, "new")).status_code == 405


def test_viewers_see_versions_but_cannot_change_them(client, team, chatbot):
    version = chatbot.create_version("v")
    viewer = MembershipFactory(team=team, roles=[roles.CHAT_VIEWER]).user
    client.force_login(viewer)
    html = client.get(url(team, chatbot)).content.decode()
    assert "Version 1" in html
    assert "Create version" not in html
    assert "Revert to this" not in html
    assert client.post(url(team, chatbot, "new")).status_code == 403
    assert client.post(url(team, chatbot, 1, "publish")).status_code == 403
    assert not Experiment.objects.get(pk=version.pk).is_published


def test_compare_names_nodes_by_label_and_diffs_prompts(admin_client, team):
    from apps.experiments.tests.factories import simple_chatbot

    bot = simple_chatbot(team, prompt="You are helpful.\nAnswer briefly.")
    admin_client.post(url(team, bot, "new"), {"description": "First"})
    working = bot.pipeline
    data = working.data
    llm = next(n for n in data["nodes"] if n["type"] == "llm")
    llm["params"]["prompt"] = "You are helpful.\nAnswer in French."
    data["nodes"].append({"id": "node-id-greeting", "type": "render_template", "name": "Greeting", "params": {}})
    pipeline_actions.save_pipeline_data(pipeline=working, data=data, expected_revision=working.edit_revision)

    page = admin_client.get(url(team, bot), {"a": 1, "b": 0}).content.decode()

    assert "only here: Greeting" in page
    assert "settings differ: assistant" in page
    assert "node-id-greeting" not in page  # an id no random token contains by chance
    assert "Prompt of “assistant”" in page
    assert "-Answer briefly.\n+Answer in French." in page
