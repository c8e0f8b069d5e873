import factory

from apps.service_providers.models import LlmProvider, LlmProviderModel
from apps.utils.factories.team import TeamFactory


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
