"""Benchmark the bundled local LLM: server start-to-healthy time and generation speed.

Run from the repository root: ``.venv/bin/python bench/local_llm.py [--loads 3] [--generations 5] [--tokens 64]``.
It uses a private run directory, so a server that ``make run`` started is left alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from harness import setup_django

PROMPT = "Write a short story about a lighthouse keeper and a storm."


def measure_loads(runs: int) -> list[float]:
    from apps.service_providers.local_llm.server import ensure_local_server, stop_local_server

    seconds = []
    for _ in range(runs):
        stop_local_server()
        started = time.perf_counter()
        ensure_local_server()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure_generations(runs: int, tokens: int) -> tuple[list[float], list[float]]:
    """(end-to-end tokens/s as a client sees it, decode-only tokens/s as llama.cpp reports it)."""
    from openai import OpenAI

    from apps.service_providers.local_llm.server import ensure_local_server

    info = ensure_local_server()
    client = OpenAI(base_url=info.base_url, api_key="not-needed", max_retries=0)
    end_to_end, decode = [], []
    for i in range(runs + 1):
        started = time.perf_counter()
        reply = client.chat.completions.create(
            model=info.model_name,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=tokens,
            # Generate exactly `tokens`: no end-of-turn and no stop string cuts the reply short.
            stop=["<no-stop>"],
            extra_body={"ignore_eos": True, "cache_prompt": False},
        )
        elapsed = time.perf_counter() - started
        if i == 0:
            continue  # warm-up: first-request allocations are not generation speed
        assert reply.usage is not None, "the local server reports usage"
        end_to_end.append(reply.usage.completion_tokens / elapsed)
        timings = (reply.model_extra or {}).get("timings") or {}
        if timings.get("predicted_per_second"):
            decode.append(float(timings["predicted_per_second"]))
    return end_to_end, decode


def _row(name: str, values: list[float], unit: str) -> str:
    if not values:
        return f"| {name:<34} | {'n/a':>8} | {'':>8} | {'':>8} | {unit:<8} |"
    return f"| {name:<34} | {statistics.median(values):>8.2f} | {min(values):>8.2f} | {max(values):>8.2f} | {unit:<8} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.test import override_settings

    from apps.service_providers.local_llm.model_file import model_path
    from apps.service_providers.local_llm.server import stop_local_server

    model_path()  # assemble the GGUF first, so the first load is not charged for it
    with tempfile.TemporaryDirectory() as run_dir, override_settings(LOCAL_LLM_RUN_DIR=run_dir):
        try:
            loads = measure_loads(args.loads)
            end_to_end, decode = measure_generations(args.generations, args.tokens)
        finally:
            stop_local_server()

    threads = getattr(settings, "LOCAL_LLM_THREADS", None) or os.cpu_count()
    print(f"Local LLM benchmark: {model_path().name}, {threads} threads, {os.cpu_count()} CPUs")
    print(f"| {'measure':<34} | {'median':>8} | {'min':>8} | {'max':>8} | {'unit':<8} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    print(_row(f"load: start to healthy (n={len(loads)})", loads, "s"))
    print(_row(f"generation, end to end (n={len(end_to_end)})", end_to_end, "tok/s"))
    print(_row(f"generation, decode only (n={len(decode)})", decode, "tok/s"))
    print(f"({args.tokens} tokens per generation, after one warm-up generation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
