"""The message path under load: the API channel and the OpenAI-compatible endpoint against a baseline
view doing the same fake-model call and the same two inserts, on one uvicorn server in one run.

Run from the repository root: ``.venv/bin/python bench/message_path.py [--requests 200] [--duration 30]``.
Reports p50/p95 latency of sequential requests per path and the ratio to the baseline, then sustained
messages/s with 20 concurrent clients on the API channel. Uses the embedded database of `make run`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fixture():
    """A bench team with a simple chatbot, an API key and a chat for the baseline."""
    from apps.api.keys import create_api_key
    from apps.chat.models import Chat
    from apps.experiments.actions import create_simple_chatbot
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.teams.models import Team

    team = Team.objects.create(name="bench", slug=f"bench-{os.getpid()}")
    provider = LlmProvider.objects.create(team=team, type="openai", name="bench", config={"api_key": "x"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    chatbot = create_simple_chatbot(team=team, name="bench", prompt="Be brief.", provider=provider, model=model)
    _, key = create_api_key(team=team, name="bench")
    chat = Chat.objects.create(team=team)
    return team, chatbot, key, chat


def _remove(team) -> None:
    """Delete the bench team; sessions and chatbots protect their chats and pipelines, so go leaf first."""
    from apps.chat.models import Chat
    from apps.experiments.models import Experiment, ExperimentSession
    from apps.pipelines.models import Pipeline

    ExperimentSession.objects.filter(team=team).delete()
    Chat.objects.filter(team=team).delete()
    Experiment.objects.filter(team=team, working_version__isnull=False).delete()
    Experiment.objects.filter(team=team).delete()
    Pipeline.objects.filter(team=team).delete()
    team.delete()


def _latencies(client: httpx.Client, send, count: int) -> list[float]:
    for _ in range(10):
        send(client)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = send(client)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return samples


def _throughput(base: str, send, clients: int, duration: float) -> tuple[float, int]:
    done = errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker() -> None:
        nonlocal done, errors
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < deadline:
                ok = send(client).status_code == 200
                with lock:
                    done += ok
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / duration, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    _setup_django()
    team, chatbot, key, chat = _fixture()
    port = _free_port()
    env = {**os.environ, "FAKE_LLM": "1", "LLM_USAGE_WRITE_SYNC": "0", "ASGI_THREADS": str(args.clients + 8)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"X-api-key": key}
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health/").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        paths = {
            "baseline view": lambda c: c.post(f"/bench/baseline/{chat.pk}/", json={"message": "Hi"}),
            "API channel": lambda c: c.post(
                f"/channels/api/{chatbot.public_id}/incoming_message", json={"message": "Hi"}, headers=headers
            ),
            "OpenAI-compatible": lambda c: c.post(
                f"/api/openai/{chatbot.public_id}/chat/completions",
                json={"messages": [{"role": "user", "content": "Hi"}]},
                headers=headers,
            ),
        }
        results = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            for label, send in paths.items():
                results[label] = _latencies(client, send, args.requests)
        baseline_p50 = statistics.median(results["baseline view"])
        print(f"{'path':<22}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>16}")
        for label, samples in results.items():
            p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[-1]
            print(f"{label:<22}{p50:>9.1f}{p95:>9.1f}{p50 / baseline_p50:>15.2f}x")
        rate, errors = _throughput(base, paths["API channel"], args.clients, args.duration)
        baseline_rate, _ = _throughput(base, paths["baseline view"], args.clients, min(args.duration, 10))
        print(f"sustained, {args.clients} clients: API channel {rate:.0f} msg/s ({errors} errors)")
        print(f"sustained, {args.clients} clients: baseline view {baseline_rate:.0f} msg/s")
    finally:
        server.terminate()
        server.wait(timeout=10)
        _remove(team)


if __name__ == "__main__":
    main()
