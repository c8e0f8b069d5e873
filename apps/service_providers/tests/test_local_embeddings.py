"""The bundled MiniLM model, run for real: these tests load the ONNX weights (about 0.3 s) and embed a few texts."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from apps.service_providers.embeddings import local
from apps.service_providers.embeddings.local import LocalEmbeddings


@pytest.fixture(scope="module")
def embeddings() -> LocalEmbeddings:
    return LocalEmbeddings(batch_size=2)


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def test_vectors_have_the_declared_dimensions_and_unit_length(embeddings):
    vectors = embeddings.embed_documents(["A short sentence.", "Another, somewhat longer, sentence to embed.", ""])

    assert embeddings.dimensions == 384
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert all(isinstance(x, float) for x in vectors[0])


def test_batched_results_match_one_at_a_time_and_keep_input_order(embeddings):
    texts = [
        "The clinic opens at nine.",
        "Bring your child's vaccination card to every visit, including the follow-up in two weeks.",
        "Hi",
        "When is the next appointment?",
        "Reply STOP to stop the reminders.",
    ]

    batched = embeddings.embed_documents(texts)  # batch_size=2, and texts of mixed lengths get regrouped
    single = [embeddings.embed_query(text) for text in texts]

    assert np.allclose(batched, single, atol=1e-5)


def test_similar_sentences_are_closer_than_unrelated_ones(embeddings):
    query = embeddings.embed_query("How do I reset my password?")
    paraphrase, unrelated = embeddings.embed_documents(
        ["I forgot my password and need to change it.", "The maize harvest was good this year."]
    )

    assert cosine(query, paraphrase) > 0.5
    assert cosine(query, paraphrase) > cosine(query, unrelated) + 0.3


def test_empty_list_gives_empty_list_without_loading(monkeypatch):
    monkeypatch.setattr(local, "get_model", lambda: pytest.fail("the model must not be loaded for no texts"))

    assert LocalEmbeddings().embed_documents([]) == []


def test_text_beyond_the_max_sequence_length_is_truncated(embeddings):
    long_text = "word " * 400
    # Anything past the first 256 word pieces is cut off, so it cannot change the vector.
    same_start, different_end = embeddings.embed_documents([long_text + "apples", long_text + "quantum physics"])

    assert np.allclose(same_start, different_end, atol=1e-6)


def test_model_is_loaded_once_across_threads(monkeypatch):
    monkeypatch.setattr(local, "_model", None)
    loads = []
    real_load = local._load
    monkeypatch.setattr(local, "_load", lambda: loads.append(1) or real_load())

    with ThreadPoolExecutor(max_workers=4) as pool:
        models = list(pool.map(lambda _: local.get_model(), range(8)))

    assert all(model is models[0] for model in models)
    assert len(loads) == 1


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        LocalEmbeddings(batch_size=0)
