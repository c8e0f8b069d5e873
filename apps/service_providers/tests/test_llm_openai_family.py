"""Azure OpenAI (deployments URL scheme, api-key header) and the providers that reuse OpenAI's wire
format at their own base URL: DeepSeek, Groq, any OpenAI-compatible server."""

import pytest
from langchain_core.messages import HumanMessage

from apps.service_providers import errors
from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import get_chat_model
from apps.service_providers.tests import openai_wire as wire
from apps.service_providers.tests.factories import LlmProviderFactory

pytestmark = pytest.mark.django_db
FAST = CallOptions(max_retries=0, timeout=5)
DEPLOYMENT_PATH = "/openai/deployments/support-bot/chat/completions"


@pytest.fixture
def azure(fake_server):
    config = {"endpoint": fake_server.url, "api_key": "azure-key", "api_version": "2024-10-21"}
    return LlmProviderFactory(type="azure", name="Azure prod", config=config)


def ask(provider, model_name: str, options=FAST, method="invoke"):
    chat_model = get_chat_model(provider, model_name, options)
    with translate_errors(provider=provider.name, model=model_name):
        result = getattr(chat_model, method)([HumanMessage("Hi")])
        return list(result) if method == "stream" else result


def test_azure_calls_the_deployment_url_with_the_api_key_header(fake_server, azure):
    fake_server.route("POST", DEPLOYMENT_PATH, wire.completion("Hola"))
    assert ask(azure, "support-bot").text == "Hola"
    request = fake_server.requests[0]
    assert request.query["api-version"] == ["2024-10-21"]
    assert request.headers["api-key"] == "azure-key"
    assert "authorization" not in request.headers


def test_azure_streams(fake_server, azure):
    fake_server.route("POST", DEPLOYMENT_PATH, wire.streamed(["Ho", "la"]))
    chunks = ask(azure, "support-bot", CallOptions(streaming=True, max_retries=0), method="stream")
    assert "".join(chunk.text for chunk in chunks) == "Hola"


def test_azure_unknown_deployment(fake_server, azure):
    fake_server.route(
        "POST", "/openai/deployments/.*", wire.error(404, "The API deployment does not exist", "DeploymentNotFound")
    )
    with pytest.raises(errors.ModelNotFound, match="Model 'missing' does not exist at provider 'Azure prod'"):
        ask(azure, "missing")


@pytest.mark.parametrize(
    ("provider_type", "config", "path", "auth"),
    [
        ("deepseek", {"api_key": "ds-key"}, "/v1/chat/completions", "Bearer ds-key"),
        ("groq", {"api_key": "gsk-key"}, "/openai/v1/chat/completions", "Bearer gsk-key"),
        ("openai_compatible", {}, "/v1/chat/completions", "Bearer not-needed"),
        ("openai_compatible", {"api_key": "vllm-key"}, "/v1/chat/completions", "Bearer vllm-key"),
    ],
)
def test_openai_compatible_providers_call_their_base_url(fake_server, provider_type, config, path, auth):
    base_path = path.removesuffix("/chat/completions")
    provider = LlmProviderFactory(type=provider_type, config={**config, "base_url": fake_server.url + base_path})
    fake_server.route("POST", path, wire.completion("Hi from " + provider_type))
    assert ask(provider, "some-model").text == "Hi from " + provider_type
    assert fake_server.requests[0].headers["authorization"] == auth
    assert fake_server.requests[0].json()["model"] == "some-model"


def test_unreachable_server_is_a_clear_error(azure):
    provider = LlmProviderFactory(
        type="openai_compatible", name="My Ollama", config={"base_url": "http://127.0.0.1:9/v1"}
    )
    with pytest.raises(errors.ProviderUnavailable, match="Cannot reach provider 'My Ollama'"):
        ask(provider, "llama3")


def test_private_base_urls_are_refused_when_not_allowed(settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    provider = LlmProviderFactory(type="openai_compatible", config={"base_url": "http://169.254.169.254/v1"})
    with pytest.raises(errors.ProviderConfigError, match="private address"):
        get_chat_model(provider, "x")


def test_azure_rejected_key(fake_server, azure):
    fake_server.route("POST", DEPLOYMENT_PATH, wire.error(401, "Access denied due to invalid subscription key", "401"))
    with pytest.raises(errors.AuthenticationFailed, match="The API key for provider 'Azure prod' was rejected"):
        ask(azure, "support-bot")


def test_azure_rate_limit_then_success(fake_server, azure):
    limited = wire.error(
        429, "Requests to the deployment have exceeded the rate limit", "429", {"retry-after-ms": "10"}
    )
    fake_server.route("POST", DEPLOYMENT_PATH, [limited, wire.completion("done")])
    assert ask(azure, "support-bot", CallOptions(max_retries=2)).text == "done"
    assert len(fake_server.requests) == 2


def test_azure_timeout(fake_server, azure):
    fake_server.route("POST", DEPLOYMENT_PATH, wire.completion("late").__class__(body={}, delay=2))
    with pytest.raises(errors.ProviderTimeout):
        ask(azure, "support-bot", CallOptions(timeout=0.3, max_retries=0))


def test_azure_tool_call_and_structured_output(fake_server, azure):
    from langchain_core.tools import tool
    from pydantic import BaseModel

    @tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return term

    class Label(BaseModel):
        label: str

    fake_server.route(
        "POST",
        DEPLOYMENT_PATH,
        [
            wire.completion(None, tool_calls=[wire.tool_call("lookup", {"term": "malaria"})]),
            wire.completion('{"label": "health"}'),
        ],
    )
    chat_model = get_chat_model(azure, "support-bot", FAST)
    reply = chat_model.bind_tools([lookup]).invoke([HumanMessage("look up malaria")])
    assert reply.tool_calls[0]["args"] == {"term": "malaria"}
    assert chat_model.with_structured_output(Label, method="json_schema").invoke([HumanMessage("label")]) == Label(
        label="health"
    )
