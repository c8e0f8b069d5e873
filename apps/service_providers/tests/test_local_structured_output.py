"""Structured output from the bundled local model, for real: llama.cpp constrains decoding to the JSON schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from apps.service_providers.local_llm.server import ensure_local_server, stop_local_server

pytestmark = [pytest.mark.local_model, pytest.mark.django_db]


class Capital(BaseModel):
    city: str = Field(description="The capital city")
    country: str


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Iterator[Path]:
    # A private run dir: a developer's own `make run` server is neither reused nor stopped by the tests.
    path = tmp_path_factory.mktemp("local_llm_structured")
    with override_settings(LOCAL_LLM_RUN_DIR=path):
        ensure_local_server()
        yield path
        stop_local_server()


def local_chat_model(**options):
    from apps.service_providers.actions import ensure_local_provider
    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.llm.service import get_chat_model
    from apps.service_providers.models import LlmProviderModel
    from apps.teams.tests.factories import TeamFactory

    provider = ensure_local_provider(TeamFactory())
    model = LlmProviderModel.objects.get(team=None, type="local")
    return get_chat_model(provider, model, CallOptions(temperature=0, **options))


@pytest.mark.parametrize("method", [None, "function_calling", "json_mode"])
def test_structured_output_is_schema_constrained_whatever_the_method_asked(run_dir, method):
    """Even a caller asking for tool calls gets the JSON-schema grammar: a 270M model's tool calls
    and free JSON are unreliable, the grammar is not."""
    model = local_chat_model(max_tokens=60)
    kwargs = {"method": method} if method else {}
    structured = model.with_structured_output(Capital, **kwargs)
    answer = structured.invoke([SystemMessage("Answer in JSON."), HumanMessage("Name the capital of France.")])
    assert isinstance(answer, Capital)
    assert answer.city.strip()


def test_the_llm_router_gets_a_valid_route_from_the_local_model(run_dir):
    from apps.pipelines.runtime.context import RunInput
    from apps.pipelines.runtime.repository import InMemoryRepository
    from apps.pipelines.runtime.runner import run_pipeline
    from apps.pipelines.tests.graphs import edge, node, pipeline

    router = node("router", "llm_router", keywords=["weather", "billing"], llm_provider_id=1, llm_model_id=1)
    graph = pipeline(
        [node("start", "start"), router, node("end", "end")],
        [edge("start", "router"), edge("router", "end", "output_0"), edge("router", "end", "output_1")],
    )
    repo = InMemoryRepository(chat_model_factory=lambda provider_id, model_id, options: local_chat_model(max_tokens=40))
    # Before: the transcript's stop strings cut the answer at the grammar's newlines (" "), and a
    # node's small max_tokens ended it before its closing brace; both took the default route.
    result = run_pipeline(graph, RunInput("My invoice is wrong"), repo)
    assert result.routes["router"] in ("weather", "billing")
    router_span = repo.traces[-1].spans[1]
    assert router_span.error == ""
    assert "route_fallback" not in router_span.details  # the model's own choice, not the default
    assert router_span.details["route"] in ("weather", "billing")
