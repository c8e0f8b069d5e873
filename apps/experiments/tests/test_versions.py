"""Chatbot versions: snapshots of the chatbot and its pipeline, one published, compare, revert."""

import pytest

from apps.conversations.bot import respond
from apps.experiments import actions, selectors
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import ConsentForm, Experiment, SourceMaterial
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.pipelines import actions as pipeline_actions
from apps.pipelines.tests.graphs import linear, node
from apps.service_providers.tests.factories import TraceProviderFactory, VoiceProviderFactory

pytestmark = pytest.mark.django_db


def set_reply(chatbot, text: str) -> None:
    """Make the working pipeline answer with fixed text (no model needed)."""
    pipeline = chatbot.pipeline
    pipeline.refresh_from_db()
    graph = linear(node("t", "render_template", template_string=text))
    pipeline_actions.save_pipeline_data(
        pipeline=pipeline, data=graph.to_dict(), expected_revision=pipeline.edit_revision
    )


@pytest.fixture
def chatbot(team):
    bot = simple_chatbot(team)
    set_reply(bot, "v1 says hi")
    return bot


def test_a_version_freezes_the_chatbot_and_its_pipeline(team, chatbot):
    chatbot.consent_form = ConsentForm.objects.create(team=team, name="Consent", consent_text="OK?")
    chatbot.source_material = SourceMaterial.objects.create(team=team, topic="FAQ", material="Clinic opens at 9")
    chatbot.save()
    version = actions.create_chatbot_version(experiment=chatbot, description="first")
    assert (version.version_number, version.version_description, version.public_id) == (1, "first", chatbot.public_id)
    assert version.pipeline != chatbot.pipeline
    assert version.pipeline.working_version == chatbot.pipeline
    assert version.consent_form.working_version == chatbot.consent_form
    assert version.source_material.material == "Clinic opens at 9"
    set_reply(chatbot, "v2 says hi")
    version.pipeline.refresh_from_db()
    assert version.pipeline.data["nodes"][1]["params"]["template_string"] == "v1 says hi"


def test_channels_serve_the_published_version(chatbot):
    session = session_for(chatbot)
    assert respond(session, "a").reply.content == "v1 says hi"  # nothing published: the working copy
    v1 = actions.create_chatbot_version(experiment=chatbot, publish=True)
    set_reply(chatbot, "draft says hi")
    assert respond(session, "b").reply.content == "v1 says hi"
    assert respond(session, "c").reply.metadata["version"] == 1
    v2 = actions.create_chatbot_version(experiment=chatbot)
    actions.publish_version(version=v2)
    assert respond(session, "d").reply.content == "draft says hi"
    v1.refresh_from_db()
    assert not v1.is_published
    assert selectors.serving_version(chatbot) == v2


def test_compare_and_revert(chatbot):
    v1 = actions.create_chatbot_version(experiment=chatbot)
    chatbot.name = "Renamed"
    chatbot.seed_message = "Hello!"
    chatbot.save()
    set_reply(chatbot, "changed")
    v2 = actions.create_chatbot_version(experiment=chatbot)
    assert {name for name, *_ in v1.compare_with(v2)} >= {"name", "seed_message", "pipeline"}
    actions.revert_to_version(experiment=chatbot, version=v1)
    chatbot.refresh_from_db()
    chatbot.pipeline.refresh_from_db()
    assert chatbot.name == "Helper"
    assert chatbot.seed_message == ""
    assert chatbot.pipeline.data["nodes"][1]["params"]["template_string"] == "v1 says hi"


def test_invalid_pipelines_cannot_be_versioned(chatbot):
    pipeline = chatbot.pipeline
    pipeline.refresh_from_db()
    pipeline_actions.save_pipeline_data(
        pipeline=pipeline, data={"nodes": [], "edges": []}, expected_revision=pipeline.edit_revision
    )
    with pytest.raises(ChatbotActionError, match="Fix the pipeline first"):
        actions.create_chatbot_version(experiment=chatbot)


def test_archive_keeps_versions(chatbot):
    actions.create_chatbot_version(experiment=chatbot)
    actions.archive_chatbot(experiment=chatbot)
    assert Experiment.objects.filter(is_archived=True).count() == 2


def test_simple_chatbot_refuses_another_teams_provider(team, other_team):
    from apps.service_providers.models import LlmProviderModel
    from apps.service_providers.tests.factories import LlmProviderFactory

    foreign = LlmProviderFactory(team=other_team)
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o")
    with pytest.raises(ChatbotActionError):
        actions.create_simple_chatbot(team=team, name="x", prompt="p", provider=foreign, model=model)


def test_allow_list(chatbot):
    chatbot.participant_allowlist = ["ok@example.org"]
    chatbot.save()
    session_for(chatbot, identifier="OK@example.org")
    with pytest.raises(ChatbotActionError, match="allow-list"):
        session_for(chatbot, identifier="other@example.org")


def test_a_version_keeps_the_voice_and_trace_provider(team, chatbot):
    chatbot.voice_provider = VoiceProviderFactory(team=team)
    chatbot.synthetic_voice = "nova"
    chatbot.trace_provider = TraceProviderFactory(team=team)
    chatbot.save()
    version = actions.create_chatbot_version(experiment=chatbot)
    version.refresh_from_db()
    assert (version.voice_provider, version.synthetic_voice, version.trace_provider) == (
        chatbot.voice_provider,
        "nova",
        chatbot.trace_provider,
    )
    chatbot.trace_provider = None
    chatbot.save()
    version.refresh_from_db()
    assert version.trace_provider is not None  # changing the working copy leaves the version alone
