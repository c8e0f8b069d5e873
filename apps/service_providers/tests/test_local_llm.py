"""The bundled local model, for real: one llama.cpp server per module, driven with the official openai SDK."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from openai import OpenAI

from apps.service_providers.local_llm import server as local_server
from apps.service_providers.local_llm.chat_templates import gguf_has_chat_template, resolve_chat_template
from apps.service_providers.local_llm.model_file import model_path
from apps.service_providers.local_llm.server import (
    LocalServerInfo,
    ensure_local_server,
    local_server_status,
    stop_local_server,
)

pytestmark = pytest.mark.local_model

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Iterator[Path]:
    # A private run dir: a developer's own `make run` server is neither reused nor stopped by the tests.
    path = tmp_path_factory.mktemp("local_llm_run")
    with override_settings(LOCAL_LLM_RUN_DIR=path):
        yield path
        stop_local_server()


@pytest.fixture(scope="module")
def llm(run_dir) -> LocalServerInfo:
    return ensure_local_server()


@pytest.fixture
def client(llm) -> OpenAI:
    return OpenAI(base_url=llm.base_url, api_key="not-needed", max_retries=0, timeout=60)


def _server_processes(run_dir: Path) -> list[int]:
    """Pids of serve.py processes started for this run dir (its path is in their command line)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if local_server.SERVE_MODULE.encode() in cmdline and str(run_dir).encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def _wait_dead(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while local_server._alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still alive"
        time.sleep(0.02)


def test_model_file_is_assembled_once():
    path = model_path()
    assert path.is_file()
    assert path.stat().st_size > 200_000_000
    assert model_path() == path


def test_bundled_base_model_gets_the_transcript_template():
    # The bundled GGUF is the pre-trained checkpoint without a chat template of its own.
    assert gguf_has_chat_template(model_path()) is False
    template, stops = resolve_chat_template("auto", model_path())
    assert "User: " in template
    assert "\nUser:" in stops
    gemma, gemma_stops = resolve_chat_template("gemma", model_path())
    assert "<start_of_turn>user" in gemma
    assert gemma_stops == []


def test_chat_completion(client, llm):
    reply = client.chat.completions.create(
        model=llm.model_name,
        messages=[
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        max_tokens=8,
        temperature=0,
    )
    assert reply.model == llm.model_name
    assert reply.choices[0].message.content.strip()
    assert 1 <= reply.usage.completion_tokens <= 8
    assert "Paris" in reply.choices[0].message.content


def test_streaming(client, llm):
    chunks = list(
        client.chat.completions.create(
            model=llm.model_name,
            messages=[{"role": "user", "content": "Tell me about dogs."}],
            max_tokens=8,
            stream=True,
        )
    )
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 2, "tokens arrive as separate server-sent events"
    assert "".join(pieces).strip()
    assert chunks[-1].choices == [] or chunks[-1].choices[0].finish_reason in ("stop", "length")


@pytest.mark.django_db
def test_the_local_provider_chats_through_the_platform_seam(llm):
    """What a chatbot does: the team's "Local model" provider, via get_chat_model, streaming, with usage."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from apps.service_providers.actions import ensure_local_provider
    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.llm.service import get_chat_model
    from apps.service_providers.models import LlmProviderModel, LlmUsage
    from apps.teams.tests.factories import TeamFactory

    provider = ensure_local_provider(TeamFactory())
    model = LlmProviderModel.objects.get(team=None, type="local")
    chat_model = get_chat_model(provider, model, CallOptions(max_tokens=12, temperature=0, streaming=True))
    messages = [SystemMessage("You are a helpful assistant."), HumanMessage("What is the capital of France?")]

    chunks = [chunk.text for chunk in chat_model.stream(messages)]

    assert len([c for c in chunks if c]) > 1
    assert "".join(chunks).strip()
    usage = LlmUsage.objects.get(provider=provider)
    assert usage.input_tokens > 0
    assert 0 < usage.output_tokens <= 12
    assert usage.cost == 0


def test_json_schema_response_format(client, llm):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model=llm.model_name,
        messages=[{"role": "user", "content": "Name the capital of France."}],
        max_tokens=40,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "capital", "schema": schema, "strict": True}},
    )
    answer = json.loads(reply.choices[0].message.content)
    assert set(answer) == {"city", "country"}
    assert answer["city"] == "Paris"


def test_tool_call_is_parsed_into_tool_calls(client, llm):
    # The tiny pre-trained model rarely calls a tool unprompted; one earlier call in the history shows it how.
    messages = [
        {"role": "user", "content": "What's the weather in London?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "London"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Rainy, 12 C"},
        {"role": "assistant", "content": "It is rainy and 12 C in London."},
        {"role": "user", "content": "What's the weather in Paris?"},
    ]
    reply = client.chat.completions.create(
        model=llm.model_name, messages=messages, tools=[WEATHER_TOOL], max_tokens=30, temperature=0
    )
    calls = reply.choices[0].message.tool_calls
    assert calls, reply.choices[0].message.content
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}


def test_ensure_is_idempotent(llm, run_dir):
    again = ensure_local_server()
    assert (again.pid, again.port) == (llm.pid, llm.port)
    assert _server_processes(run_dir) == [llm.pid]
    assert local_server_status() == llm


def test_restarts_after_the_process_is_killed(llm, run_dir):
    os.kill(llm.pid, signal.SIGKILL)
    _wait_dead(llm.pid)
    assert local_server_status() is None

    restarted = ensure_local_server()
    assert restarted.pid != llm.pid
    assert _server_processes(run_dir) == [restarted.pid]
    reply = OpenAI(base_url=restarted.base_url, api_key="x", max_retries=0).chat.completions.create(
        model=restarted.model_name, messages=[{"role": "user", "content": "Hello!"}], max_tokens=2
    )
    assert reply.usage.completion_tokens >= 1


def test_stop(run_dir):
    info = ensure_local_server()
    assert stop_local_server() is True
    _wait_dead(info.pid)
    assert _server_processes(run_dir) == []
    assert local_server_status() is None
    assert stop_local_server() is False


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["Hi", "What can you do?"])
def test_the_demo_chatbot_answers_on_topic(llm, question):
    """Issue 13: the transcript template's worked example made every answer about oceans ("Hi" → the
    Pacific, "What can you do?" → water bills). With the demo prompt and the local provider's defaults
    (greedy decoding, a reply cap) the answers are short and about what was asked."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from apps.service_providers.actions import ensure_local_provider
    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.llm.service import get_chat_model
    from apps.service_providers.models import LlmProviderModel
    from apps.teams.tests.factories import TeamFactory
    from apps.web.demo import DEMO_PROMPT

    provider = ensure_local_provider(TeamFactory())
    model = LlmProviderModel.objects.get(team=None, type="local")
    chat_model = get_chat_model(provider, model, CallOptions())  # no temperature or max_tokens: the defaults
    reply = chat_model.invoke([SystemMessage(DEMO_PROMPT), HumanMessage(question)]).text.strip()

    assert reply
    assert len(reply) < 400
    assert "ocean" not in reply.lower()
    assert "water bill" not in reply.lower()


def test_the_transcript_template_has_no_worked_example():
    from jinja2 import Environment

    template, _ = resolve_chat_template("transcript", Path("unused"))
    prompt = (
        Environment()
        .from_string(template)
        .render(messages=[{"role": "user", "content": "Hi"}], add_generation_prompt=True, tools=None)
    )
    assert prompt.count("User:") == 1
    assert prompt.endswith("User: Hi\nAssistant:")
    assert "ocean" not in prompt.lower()
