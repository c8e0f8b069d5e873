"""Adapter overhead per chat call: our `get_chat_model` path versus the raw OpenAI SDK, both against the
same local fake server speaking the chat-completions format, in one run.

Run from the repository root: ``.venv/bin/python bench/adapter_overhead.py [--calls 500]``.
Reports the median latency of each path and the overhead (ours minus raw); the target is under 2 ms.
Our path includes LangChain and the usage recorder's database write, as every real call does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from harness import setup_django


def _alternating(calls: dict, runs: int) -> dict[str, list[float]]:
    """Run the calls in turn, `runs` times each, so drift in machine load hits every path alike."""
    for call in calls.values():
        for _ in range(30):  # warm up connections and caches
            call()
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(runs):
        for label, call in calls.items():
            started = time.perf_counter()
            call()
            samples[label].append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500, help="calls per path")
    args = parser.parse_args()
    setup_django()

    from langchain_core.messages import HumanMessage
    from langchain_openai import ChatOpenAI
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam
    from pydantic import SecretStr

    from apps.service_providers.llm.base import CallOptions
    from apps.service_providers.llm.errors import translate_errors
    from apps.service_providers.llm.service import get_chat_model
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.service_providers.tests import openai_wire as wire
    from apps.service_providers.tests.fake_http import FakeServer
    from apps.teams.models import Team

    server = FakeServer().start()
    server.route("POST", "/v1/chat/completions", wire.completion("Hello there"))
    team = Team.objects.create(name="bench", slug=f"bench-{os.getpid()}")
    try:
        provider = LlmProvider.objects.create(
            team=team, type="openai", name="bench", config={"api_key": "sk-bench", "base_url": server.url + "/v1"}
        )
        model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
        raw_client = OpenAI(api_key="sk-bench", base_url=server.url + "/v1", max_retries=0)
        messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
        chat_model = get_chat_model(provider, model, CallOptions(max_retries=0))

        def raw() -> None:
            raw_client.chat.completions.create(model="gpt-4o-mini", messages=messages)

        def ours() -> None:
            with translate_errors(provider=provider.name, model=model.name):
                chat_model.invoke([HumanMessage("Hi")])

        plain_langchain = ChatOpenAI(
            api_key=SecretStr("sk-bench"), base_url=server.url + "/v1", max_retries=0, model=model.name
        )
        samples = _alternating(
            {
                "raw openai SDK": raw,
                "LangChain ChatOpenAI alone": lambda: plain_langchain.invoke([HumanMessage("Hi")]),
                "get_chat_model (ours)": ours,
            },
            args.calls,
        )
    finally:
        team.delete()
        server.stop()

    print(f"{'path':<30}{'median ms':>10}{'p90 ms':>10}")
    for label, values in samples.items():
        print(f"{label:<30}{statistics.median(values):>10.2f}{statistics.quantiles(values, n=10)[-1]:>10.2f}")
    raw_median = statistics.median(samples["raw openai SDK"])
    our_median = statistics.median(samples["get_chat_model (ours)"])
    print(f"overhead per call: {our_median - raw_median:.2f} ms (ratio {our_median / raw_median:.2f}x)")


if __name__ == "__main__":
    main()
