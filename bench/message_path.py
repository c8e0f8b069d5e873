"""The message path under load: the API channel and the OpenAI-compatible endpoint against a baseline
view doing the same fake-model call and the same two inserts, on the same uvicorn server in one run.

Run from the repository root: ``.venv/bin/python bench/message_path.py [--requests 200] [--duration 30]``.
Reports, on a server with an instant fake model: p50/p95 latency of sequential requests per path and
the ratio to the baseline (API-channel messages go in conversations of 20 messages, a session each,
as a channel's do; the first message of a conversation, which also creates the participant's
session, is reported on its own line); sustained messages/s with 20 concurrent clients (API channel and
baseline). Then, on a server whose fake model takes 1 s per reply: 200 concurrent conversations of
three messages each (errors, latency, wall time), and the delay from each streamed token's send time
in the model to its arrival at an OpenAI-SDK-style streaming client. Finally, as a real deployment
runs: production settings, the model behind HTTP (bench/fake_openai.py, an instant OpenAI-compatible
server in another process) and API-channel conversations of 20 turns, against the baseline view making
the same HTTP model call: p50 above the baseline and the web process's CPU time per message
(`--profile FILE` records that case's server, one worker, with py-spy: collapsed stacks). Uses the embedded
database of `make run`; client and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

import httpx
import psutil
from harness import REPO_ROOT, free_port, remove_team, setup_django, start_server, stop_server


def _setup() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    # Production settings need real secrets; every server of this run shares them with this process,
    # which encrypts the bench providers' settings.
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    if not os.environ.get("FIELD_ENCRYPTION_KEYS"):
        os.environ["FIELD_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    setup_django()


def _fixture(model_port: int):
    """A bench team with a simple chatbot, one more whose provider is the fake server on
    `model_port`, an API key and a chat for the baseline."""
    from apps.api.keys import create_api_key
    from apps.chat.models import Chat
    from apps.experiments.actions import create_simple_chatbot
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.teams.models import Team

    team = Team.objects.create(name="bench", slug=f"bench-{os.getpid()}")
    provider = LlmProvider.objects.create(team=team, type="openai", name="bench", config={"api_key": "x"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    chatbot = create_simple_chatbot(team=team, name="bench", prompt="Be brief.", provider=provider, model=model)
    http_provider = LlmProvider.objects.create(
        team=team,
        type="openai",
        name="bench over HTTP",
        config={"api_key": "x", "base_url": f"http://127.0.0.1:{model_port}/v1"},
    )
    http_chatbot = create_simple_chatbot(
        team=team, name="bench over HTTP", prompt="Be brief.", provider=http_provider, model=model
    )
    _, key = create_api_key(team=team, name="bench")
    chat = Chat.objects.create(team=team)
    return team, chatbot, http_chatbot, key, chat


class ApiConversation:
    """Sends API-channel messages as conversations of `length` messages (a session each), one
    conversation per client thread, as channels do; the first message of each starts the session."""

    def __init__(self, url: str, headers: dict[str, str], length: int = 20):
        self.url, self.headers, self.length = url, headers, length
        self.local = threading.local()

    def __call__(self, client: httpx.Client) -> httpx.Response:
        state = self.local.__dict__
        if state.get("sent", 0) % self.length == 0:
            state["session"] = None
        body = {"message": "Hi"} | ({"session": state["session"]} if state.get("session") else {})
        response = client.post(self.url, json=body, headers=self.headers)
        if response.status_code == 200:
            state["session"] = response.json()["session"]
        state["sent"] = state.get("sent", 0) + 1
        return response


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


def _start_server(extra_env: dict[str, str], workers: int, wrapper: Sequence[str] = ()) -> tuple[subprocess.Popen, str]:
    env = {
        "FAKE_LLM": "1",
        "DEBUG": "0",  # as production runs: no per-query debug records
        "LLM_USAGE_WRITE_SYNC": "0",
        "TRACE_WRITE_SYNC": "0",
        # The benchmark measures the path, not the rate limits.
        "API_RATE_PER_KEY": "1000000/min",
        "API_RATE_PER_SESSION": "100000/min",
        # A warm pool: the pool otherwise grows one connection at a time under the first burst.
        "DB_POOL_MIN_SIZE": os.environ.get("DB_POOL_MAX_SIZE", "20"),
        **extra_env,
    }
    return start_server(env, workers, wrapper)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def _fast_paths(args, chatbot, key, chat) -> None:
    server, base = _start_server({}, args.workers)
    headers = {"X-api-key": key}
    paths = {
        "baseline view": lambda c: c.post(f"/bench/baseline/{chat.pk}/", json={"message": "Hi"}),
        "API channel, new session": lambda c: c.post(
            f"/channels/api/{chatbot.public_id}/incoming_message", json={"message": "Hi"}, headers=headers
        ),
        "API channel": ApiConversation(f"/channels/api/{chatbot.public_id}/incoming_message", headers),
        "OpenAI-compatible": lambda c: c.post(
            f"/api/openai/{chatbot.public_id}/chat/completions",
            json={"messages": [{"role": "user", "content": "Hi"}]},
            headers=headers,
        ),
    }
    try:
        results = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            for label, send in paths.items():
                results[label] = _latencies(client, send, args.requests)
        baseline_p50 = statistics.median(results["baseline view"])
        print(f"instant fake model, {args.workers} server worker(s), {args.requests} sequential requests per path")
        print(f"{'path':<22}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>16}")
        for label, samples in results.items():
            p50, p95 = _percentiles(samples)
            print(f"{label:<22}{p50:>9.1f}{p95:>9.1f}{p50 / baseline_p50:>15.2f}x")
        rate, errors = _throughput(base, paths["API channel"], args.clients, args.duration)
        baseline_rate, baseline_errors = _throughput(base, paths["baseline view"], args.clients, args.duration)
        print(
            f"sustained {args.duration:.0f} s, {args.clients} clients: API channel {rate:.0f} msg/s ({errors} errors)"
        )
        print(
            f"sustained {args.duration:.0f} s, {args.clients} clients: baseline view {baseline_rate:.0f} msg/s "
            f"({baseline_errors} errors); ratio {rate / baseline_rate:.2f}"
        )
    finally:
        stop_server(server)


async def _conversation(client: httpx.AsyncClient, url: str, headers: dict, turns: int) -> tuple[list[float], int]:
    latencies, errors, session = [], 0, None
    for turn in range(turns):
        body = {"message": f"turn {turn}"} | ({"session": session} if session else {})
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as error:
            errors += 1
            print(f"error: {error!r}")
            continue
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors += 1
            print(f"error: HTTP {response.status_code}: {response.text[:300]}")
            continue
        session = response.json()["session"]
    return latencies, errors


async def _concurrent_conversations(base: str, chatbot, key: str, count: int, turns: int):
    # Idle connections are dropped before uvicorn's 5-s keep-alive ends: reusing one the server is
    # closing at that moment fails the request (ReadError), a client artefact, not a server error.
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=count + 10, keepalive_expiry=2.0)
    url = f"{base}/channels/api/{chatbot.public_id}/incoming_message"
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_conversation(client, url, {"X-api-key": key}, turns) for _ in range(count)))
        wall = time.perf_counter() - started
    latencies = [latency for outcome in outcomes for latency in outcome[0]]
    return latencies, sum(outcome[1] for outcome in outcomes), wall


def _stream_delays(base: str, chatbot, key: str, streams: int) -> list[float]:
    """Per token: arrival time at the client minus the time the fake model sent it, in ms."""
    delays: list[float] = []
    url = f"{base}/api/openai/{chatbot.public_id}/chat/completions"
    body = {"messages": [{"role": "user", "content": "Hi"}], "stream": True}
    with httpx.Client(timeout=60) as client:
        for _ in range(streams):
            with client.stream("POST", url, json=body, headers={"X-api-key": key}) as response:
                assert response.status_code == 200, response.read()
                for line in response.iter_lines():
                    arrived = time.time()
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    for choice in json.loads(line[6:]).get("choices", []):
                        content = (choice.get("delta") or {}).get("content") or ""
                        if content.strip():
                            delays.append((arrived - float(content)) * 1000)
    return delays


def _slow_model(args, chatbot, key) -> None:
    extra = {"FAKE_LLM_DELAY": "1", "FAKE_LLM_STAMPED_TOKENS": "20"}
    server, base = _start_server(extra, args.workers)
    try:
        latencies, errors, wall = asyncio.run(
            _concurrent_conversations(base, chatbot, key, args.conversations, args.turns)
        )
        total = args.conversations * args.turns
        p50, p95 = _percentiles(latencies)
        print(
            f"fake model taking 1 s: {args.conversations} concurrent conversations x {args.turns} messages: "
            f"{total - errors}/{total} replies, {errors} errors, wall {wall:.1f} s, "
            f"reply latency p50 {p50:.2f} s / p95 {p95:.2f} s / max {max(latencies):.2f} s"
        )
        delays = _stream_delays(base, chatbot, key, args.streams)
        p50, p95 = _percentiles(delays)
        print(
            f"streaming, {len(delays)} tokens over {args.streams} streams: token -> client delay "
            f"p50 {p50:.1f} ms / p95 {p95:.1f} ms / max {max(delays):.1f} ms"
        )
    finally:
        stop_server(server)


def _process_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) of the server process and its workers so far."""
    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _production_env(model_port: int) -> dict[str, str]:
    """DJANGO_ENV=production as a deployment runs it, on plain HTTP on loopback, with the baseline
    view calling the fake provider too."""
    return {
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "PROVIDERS_ALLOW_PRIVATE_ADDRESSES": "1",  # the fake provider is on loopback
        "FAKE_LLM": "0",
        "BENCH_BASELINE_MODEL_URL": f"http://127.0.0.1:{model_port}/v1",
    }


def _http_model(args, http_chatbot, key, chat, model_port: int) -> None:
    """Production settings, the model behind HTTP in another process, API-channel conversations of
    20 turns: p50 above the baseline view (same HTTP model call, same two inserts) and the web
    process's CPU per message."""
    fake = subprocess.Popen([sys.executable, str(REPO_ROOT / "bench" / "fake_openai.py"), str(model_port)])
    wrapper = []
    if args.profile:  # py-spy (a dev tool, not a dependency) samples the server's threads, native code too
        py_spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
        wrapper = [py_spy, "record", "--format", "raw", "--rate", "200", "--output", args.profile, "--"]
    server, base = _start_server(_production_env(model_port), 1 if args.profile else args.workers, wrapper)
    url = f"/channels/api/{http_chatbot.public_id}/incoming_message"
    paths: dict[str, Callable[[httpx.Client], httpx.Response]] = {
        "baseline view": lambda c: c.post(f"/bench/baseline/{chat.pk}/", json={"message": "Hi"}),
        "API channel, 20 turns": ApiConversation(url, {"X-api-key": key}, length=20),
    }
    try:
        results: dict[str, list[float]] = {}
        cpu: dict[str, float] = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            for label, send in paths.items():
                for _ in range(10):
                    send(client)
                started = _process_cpu(server)
                results[label] = _latencies(client, send, args.requests)
                cpu[label] = (_process_cpu(server) - started) / (args.requests + 10) * 1000
        baseline_p50 = statistics.median(results["baseline view"])
        print(
            f"production settings, model over HTTP (another process), {args.workers} server worker(s), "
            f"{args.requests} sequential requests per path"
        )
        print(f"{'path':<24}{'p50 ms':>9}{'p95 ms':>9}{'above baseline':>16}{'web CPU ms/msg':>16}")
        for label, samples in results.items():
            p50, p95 = _percentiles(samples)
            print(f"{label:<24}{p50:>9.1f}{p95:>9.1f}{p50 - baseline_p50:>14.1f}ms{cpu[label]:>16.1f}")
    finally:
        stop_server(server)
        fake.terminate()
        fake.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--skip-slow", action="store_true", help="no 1-s-model measurements")
    parser.add_argument("--only-http", action="store_true", help="only the model-over-HTTP case")
    parser.add_argument("--profile", help="record the model-over-HTTP case's server with py-spy into this file")
    args = parser.parse_args()
    _setup()
    model_port = free_port()
    team, chatbot, http_chatbot, key, chat = _fixture(model_port)
    try:
        if not args.only_http:
            _fast_paths(args, chatbot, key, chat)
        if not (args.skip_slow or args.only_http):
            _slow_model(args, chatbot, key)
        _http_model(args, http_chatbot, key, chat, model_port)
    finally:
        remove_team(team)


if __name__ == "__main__":
    main()
