import factory

from apps.service_providers.models import LlmProvider, LlmProviderModel, TraceProvider, VoiceProvider
from apps.teams.tests.factories import TeamFactory


class LlmProviderFactory(factory.django.DjangoModelFactory):
    team = factory.SubFactory(TeamFactory)
    type = "openai"
    name = factory.Sequence(lambda n: f"Provider {n}")
    config = factory.LazyFunction(lambda: {"api_key": "sk-test-key", "base_url": "", "organization": ""})

    class Meta:
        model = LlmProvider


class LlmProviderModelFactory(factory.django.DjangoModelFactory):
    team = factory.SelfAttribute("provider_team")
    type = "openai"
    name = factory.Sequence(lambda n: f"team-model-{n}")
    max_token_limit = 8192
    parameters = factory.LazyFunction(lambda: ["temperature", "max_tokens"])
    input_price_per_million = 1
    output_price_per_million = 2

    class Meta:
        model = LlmProviderModel

    class Params:
        provider_team = factory.SubFactory(TeamFactory)


class VoiceProviderFactory(factory.django.DjangoModelFactory):
    team = factory.SubFactory(TeamFactory)
    type = "openai"
    name = factory.Sequence(lambda n: f"Voice {n}")
    config = factory.LazyFunction(lambda: {"api_key": "sk-test-key"})

    class Meta:
        model = VoiceProvider


class TraceProviderFactory(factory.django.DjangoModelFactory):
    """A Langfuse project; point `config["host"]` at a fake server in tests."""

    team = factory.SubFactory(TeamFactory)
    type = "langfuse"
    name = factory.Sequence(lambda n: f"Langfuse {n}")
    config = factory.LazyFunction(
        lambda: {"public_key": "pk-lf-test", "secret_key": "sk-lf-test", "host": "https://cloud.langfuse.com"}
    )

    class Meta:
        model = TraceProvider
