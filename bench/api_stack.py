"""What each way of serving the API paths costs per request (ADR 0012), measured in this process
through httpx's ASGI transport, so only the handler differs: the lean handler (`config.asgi_routing`,
API_MIDDLEWARE as one sync chain), Django's own ASGI handler with the full MIDDLEWARE, and Django's
WSGI handler (full MIDDLEWARE, but one sync chain) behind asgiref's WSGI-to-ASGI adapter.

Run from the repository root: ``.venv/bin/python bench/api_stack.py [--requests 300] [--rounds 4]``.
Reports the median over rounds of each round's p50, per request kind and handler. Uses the embedded
database of `make run`; `--extra module:Class` adds another ASGI handler class to compare."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import statistics
import time
from typing import Any

import httpx
from harness import remove_team, setup_django


def _handlers(extra: list[str]) -> dict[str, Any]:
    from asgiref.wsgi import WsgiToAsgi
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application

    from config.asgi_routing import ApiHandler

    handlers: dict[str, Any] = {
        "lean (API_MIDDLEWARE)": ApiHandler(),
        "Django ASGI, MIDDLEWARE": get_asgi_application(),
        "WSGI via WsgiToAsgi": WsgiToAsgi(get_wsgi_application()),
    }
    for spec in extra:
        path, _, name = spec.partition(":")
        module_spec = importlib.util.spec_from_file_location(f"extra_{len(handlers)}", path)
        assert module_spec is not None
        assert module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        handlers[f"{name} ({os.path.basename(path)})"] = getattr(module, name)()
    return handlers


def _fixture():
    from apps.api.keys import create_api_key
    from apps.experiments.actions import create_simple_chatbot
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.teams.models import Team

    team = Team.objects.create(name="bench", slug=f"bench-stack-{os.getpid()}")
    provider = LlmProvider.objects.create(team=team, type="openai", name="bench", config={"api_key": "x"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    chatbot = create_simple_chatbot(team=team, name="bench", prompt="Be brief.", provider=provider, model=model)
    _, key = create_api_key(team=team, name="bench")
    return team, chatbot, key


async def _p50(app, request: dict, count: int) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for _ in range(10):
            await client.request(**request)
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            response = await client.request(**request)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code < 500, response.text
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--extra", action="append", default=[], help="path/to/module.py:HandlerClass")
    args = parser.parse_args()
    os.environ.update({"FAKE_LLM": "1", "DEBUG": "0", "API_RATE_PER_KEY": "1000000/min"})
    os.environ.update({"API_RATE_PER_SESSION": "100000/min", "TRACE_WRITE_SYNC": "0", "LLM_USAGE_WRITE_SYNC": "0"})
    logging.disable(logging.WARNING)  # 404s are logged
    setup_django()
    team, chatbot, key = _fixture()
    headers = {"X-api-key": key}
    requests: dict[str, dict[str, Any]] = {
        "404 under /api/": {"method": "GET", "url": "/api/nothing-here/"},
        "GET /api/experiments/": {"method": "GET", "url": "/api/experiments/", "headers": headers},
        "API channel message": {
            "method": "POST",
            "url": f"/channels/api/{chatbot.public_id}/incoming_message",
            "json": {"message": "Hi"},
            "headers": headers,
        },
    }
    handlers = _handlers(args.extra)
    results: dict[tuple[str, str], list[float]] = {}
    labels = list(handlers)
    for round_number in range(args.rounds):
        order = labels[round_number % len(labels) :] + labels[: round_number % len(labels)]  # none always first
        for kind, request in requests.items():
            for label in order:
                app = handlers[label]
                results.setdefault((kind, label), []).append(asyncio.run(_p50(app, request, args.requests)))
    print(f"p50 ms, median of {args.rounds} rounds of {args.requests} sequential requests, in process")
    for kind in requests:
        print(kind)
        for label in handlers:
            print(f"  {label:<40}{statistics.median(results[(kind, label)]):>8.2f}")
    remove_team(team)


if __name__ == "__main__":
    main()
