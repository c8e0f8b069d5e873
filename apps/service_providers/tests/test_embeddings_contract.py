"""Embedding adapters against local servers speaking OpenAI's and Gemini's embedding APIs, and the
local model through the same seam."""

import base64
import struct

import pytest

from apps.service_providers import errors
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.llm.service import get_embeddings
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.service_providers.tests.fake_http import FakeResponse

pytestmark = pytest.mark.django_db


def vector_for(text: str) -> list[float]:
    return [float(len(text)), 1.0, 0.5]


def openai_embeddings(request) -> FakeResponse:
    body = request.json()
    inputs = body["input"]
    data = []
    for index, text in enumerate(inputs):
        vector = vector_for(text)
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        else:
            data.append({"object": "embedding", "index": index, "embedding": vector})
    usage = {"prompt_tokens": len(inputs) * 2, "total_tokens": len(inputs) * 2}
    return FakeResponse(body={"object": "list", "data": data, "model": body["model"], "usage": usage})


def test_openai_embeddings_are_batched(fake_server):
    fake_server.route("POST", "/v1/embeddings", openai_embeddings)
    provider = LlmProviderFactory(type="openai", config={"api_key": "sk-e", "base_url": fake_server.url + "/v1"})
    embeddings = get_embeddings(provider, "text-embedding-3-small")
    texts = ["a", "bb", "ccc"]
    assert embeddings.embed_documents(texts) == [pytest.approx(vector_for(t)) for t in texts]
    assert embeddings.embed_query("dddd") == pytest.approx(vector_for("dddd"))
    first = fake_server.requests[0]
    assert first.headers["authorization"] == "Bearer sk-e"
    assert first.json()["model"] == "text-embedding-3-small"
    assert first.json()["input"] == texts  # one request for the batch


def test_openai_embeddings_rejected_key(fake_server):
    fake_server.route("POST", "/v1/embeddings", FakeResponse(401, {"error": {"message": "bad key"}}))
    provider = LlmProviderFactory(
        type="openai", name="Emb", config={"api_key": "sk-x", "base_url": fake_server.url + "/v1"}
    )
    embeddings = get_embeddings(provider, "text-embedding-3-small")
    embeddings.max_retries = 0
    with (
        pytest.raises(errors.AuthenticationFailed, match="provider 'Emb' was rejected"),
        translate_errors(provider=provider.name),
    ):
        embeddings.embed_documents(["x"])


def gemini_batch(request) -> FakeResponse:
    requests = request.json()["requests"]
    return FakeResponse(
        body={"embeddings": [{"values": vector_for(item["content"]["parts"][0]["text"])} for item in requests]}
    )


def test_gemini_embeddings(fake_server):
    fake_server.route("POST", r"/v1(?:beta)?/models/gemini-embedding-001:batchEmbedContents", gemini_batch)
    provider = LlmProviderFactory(type="gemini", config={"api_key": "AIza-e", "base_url": fake_server.url})
    embeddings = get_embeddings(provider, "gemini-embedding-001")
    assert embeddings.embed_documents(["hi", "there"]) == [
        pytest.approx(vector_for("hi")),
        pytest.approx(vector_for("there")),
    ]
    assert fake_server.requests[0].headers["x-goog-api-key"] == "AIza-e"


def test_local_embeddings_through_the_seam():
    from apps.service_providers.actions import ensure_local_provider
    from apps.teams.tests.factories import TeamFactory

    embeddings = get_embeddings(ensure_local_provider(TeamFactory()), "all-MiniLM-L6-v2")
    vectors = embeddings.embed_documents(["The clinic opens at nine.", "Opening hours of the clinic"])
    assert [len(vector) for vector in vectors] == [384, 384]
