from typing import cast

from apps.experiments.actions import create_simple_chatbot
from apps.experiments.sessions import start_session
from apps.participants.actions import get_or_create_participant
from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.service_providers.tests.factories import LlmProviderFactory


def simple_chatbot(team, *, name: str = "Helper", prompt: str = "You are helpful."):
    """A Start → LLM → End chatbot on an OpenAI provider (tests swap the model with use_fake_llm)."""
    provider = cast(LlmProvider, LlmProviderFactory(team=team))
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    return create_simple_chatbot(team=team, name=name, prompt=prompt, provider=provider, model=model)


def session_for(experiment, identifier: str = "p1@example.org", platform: str = "api"):
    participant = get_or_create_participant(team=experiment.team, platform=platform, identifier=identifier)
    return start_session(experiment=experiment, participant=participant, platform=platform)
