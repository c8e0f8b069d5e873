"""The pipeline builder in headless chromium: page load with a 100-node pipeline, and time per frame
while dragging a node.

Run from the repository root: ``.venv/bin/python bench/builder_perf.py [--nodes 100] [--loads 5]``.
Builds the assets first if needed (``npm run build``). Starts uvicorn on the embedded database of
`make run` with a bench team whose pipeline has `--nodes` nodes (a chain of LLM, router and template
nodes), then, in Debian's chromium (apps/utils/browser.py):

- load: from navigation start until every node is drawn and measured (median and max of `--loads`
  fresh page loads), with DOMContentLoaded for reference;
- drag: a node dragged with page.mouse for `--moves` pointer moves; requestAnimationFrame timestamps
  give the frame intervals (median / p95 / max; 16.7 ms is 60 frames/s), and each pointer move's
  delay to the next frame (handler + React Flow + React render) is reported too.

Figures only; nothing is asserted. Browser and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
from typing import Any

from harness import REPO_ROOT, setup_django, start_server, stop_server

# BENCH_DEBUG=1: long tasks and resource timings of each load, to see where the time goes.
LONG_TASKS = """
window.__long = [];
new PerformanceObserver((list) => window.__long.push(
  ...list.getEntries().map((e) => [Math.round(e.startTime), Math.round(e.duration)])
)).observe({type: 'longtask', buffered: true});
"""
RESOURCES = """() => performance.getEntriesByType('resource').map(
  (r) => [r.name.split('/').pop(), Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize]
)"""

DRAG_RECORDER = """() => {
  window.__bench = { frames: [], moves: [], recording: true };
  document.addEventListener('pointermove', (event) => window.__bench.moves.push(event.timeStamp), true);
  const loop = (time) => {
    window.__bench.frames.push(time);
    if (window.__bench.recording) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""


def big_graph(count: int, provider_id: int, model_id: int) -> dict:
    """Start, then `count - 2` nodes in a chain (every fifth a two-route router), then End, on a grid."""
    nodes = [{"id": "n0", "type": "start", "name": "start", "params": {}, "position": {"x": 0, "y": 0}}]
    edges: list[dict] = []
    llm = {"llm_provider_id": provider_id, "llm_model_id": model_id, "prompt": "Be brief. {participant_data}"}
    previous, handles = "n0", ["output"]
    for index in range(1, count - 1):
        node_id = f"n{index}"
        if index % 5 == 0:
            node = {"type": "llm_router", "params": {**llm, "keywords": ["yes", "no"]}}
        elif index % 5 == 3:
            node = {"type": "render_template", "params": {"template_string": "{{ input }}!"}}
        else:
            node = {"type": "llm", "params": dict(llm)}
        position = {"x": (index % 10) * 280, "y": (index // 10) * 180}
        nodes.append({"id": node_id, "name": f"{node['type']}_{index}", "position": position, **node})
        for handle in handles:
            edges.append({"id": f"e{len(edges)}", "source": previous, "source_handle": handle, "target": node_id})
        previous = node_id
        handles = ["output_0", "output_1"] if node["type"] == "llm_router" else ["output"]
    end_id = f"n{count - 1}"
    nodes.append(
        {"id": end_id, "type": "end", "name": "end", "params": {}, "position": {"x": 0, "y": (count // 10 + 1) * 180}}
    )
    for handle in handles:
        edges.append({"id": f"e{len(edges)}", "source": previous, "source_handle": handle, "target": end_id})
    for edge in edges:
        edge["target_handle"] = "input"
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def _fixture(count: int):
    from django.test import Client

    from apps.pipelines import actions
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.teams import roles
    from apps.teams.models import Team
    from apps.teams.tests.factories import MembershipFactory

    team = Team.objects.create(name="bench builder", slug=f"bench-builder-{os.getpid()}")
    provider = LlmProvider.objects.create(team=team, type="openai", name="bench", config={"api_key": "x"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    pipeline = actions.create_pipeline(team=team, name="Big", data=big_graph(count, provider.pk, model.pk))
    membership: Any = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN])
    user = membership.user
    client = Client()
    client.force_login(user)
    from django.conf import settings

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return team, user, pipeline, cookie


def _remove(team, user) -> None:
    from apps.pipelines.models import Pipeline

    Pipeline.objects.filter(team=team).delete()
    team.delete()
    user.delete()


def _stats(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) >= 2 else samples[0]
    return f"median {statistics.median(samples):.1f} ms / p95 {p95:.1f} ms / max {max(samples):.1f} ms"


def measure_load(browser, base: str, cookie: str, path: str, count: int, loads: int) -> None:
    from django.conf import settings

    ready, dom = [], []
    for _ in range(loads):
        context = browser.new_context(base_url=base, viewport={"width": 1600, "height": 1000})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
        page = context.new_page()
        if os.environ.get("BENCH_DEBUG"):
            page.add_init_script(LONG_TASKS)
        page.goto(path)
        page.wait_for_function(
            "(count) => { const nodes = document.querySelectorAll('.react-flow__node');"
            " return nodes.length === count && [...nodes].every((n) => n.style.visibility !== 'hidden')"
            " && !document.querySelector('.react-flow__viewport').style.transform.includes('scale(1)'); }",
            arg=count,
            timeout=60_000,
        )
        ready.append(page.evaluate("() => performance.now()"))
        if os.environ.get("BENCH_DEBUG"):
            print(page.evaluate(RESOURCES))
            print(page.evaluate("() => window.__long"))
        dom.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
        context.close()
    print(f"load, {count} nodes ({loads} loads): all nodes drawn {_stats(ready)}; DOMContentLoaded {_stats(dom)}")


def measure_drag(browser, base: str, cookie: str, path: str, moves: int) -> None:
    from django.conf import settings

    context = browser.new_context(base_url=base, viewport={"width": 1600, "height": 1000})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    page = context.new_page()
    page.goto(path)
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length > 0")
    page.wait_for_timeout(1000)
    node = page.locator(".react-flow__node").nth(12)
    box = node.bounding_box()
    assert box is not None
    x, y = box["x"] + 20, box["y"] + 10
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def busy() -> dict[str, float]:
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return {
            key: metrics.get(key, 0.0) * 1000
            for key in ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
        }

    page.evaluate(DRAG_RECORDER)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 1, y + 1)
    before = busy()
    for step in range(2, moves + 2):
        page.mouse.move(x + step * 2, y + step)
    after = busy()
    page.mouse.up()
    per_move = {key: (after[key] - before[key]) / moves for key in before}
    page.wait_for_timeout(100)
    frames, pointer = page.evaluate(
        "() => { window.__bench.recording = false; return [window.__bench.frames, window.__bench.moves]; }"
    )
    start, stop = pointer[0], pointer[-1]
    in_drag = [t for t in frames if start <= t <= stop + 20]
    intervals = [b - a for a, b in zip(in_drag, in_drag[1:], strict=False)]
    delays = []
    for moment in pointer:
        following = next((t for t in frames if t >= moment), None)
        if following is not None:
            delays.append(following - moment)
    moved = node.bounding_box()
    print(
        f"drag, {moves} pointer moves over {stop - start:.0f} ms ({len(in_drag)} frames): "
        f"frame interval {_stats(intervals)}; pointer move -> next frame {_stats(delays)}; "
        f"node moved {moved['x'] - box['x']:.0f} px"
        if moved
        else "node lost"
    )
    print(
        f"drag, main-thread time per pointer move: script {per_move['ScriptDuration']:.1f} ms, "
        f"style {per_move['RecalcStyleDuration']:.1f} ms, layout {per_move['LayoutDuration']:.1f} ms; "
        f"all tasks (with input dispatch and software paint) {per_move['TaskDuration']:.1f} ms"
    )
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--moves", type=int, default=120)
    args = parser.parse_args()
    if not (REPO_ROOT / "static" / "dist" / "manifest.json").exists():
        subprocess.run(["npm", "run", "--silent", "build"], cwd=REPO_ROOT, check=True)
    setup_django()
    from playwright.sync_api import sync_playwright

    from apps.utils.browser import CHROMIUM_FLAGS, chromium_path

    executable = chromium_path()
    if executable is None:
        print("builder_perf: skipped, chromium is not installed (apt-get install chromium)")
        return
    team, user, pipeline, cookie = _fixture(args.nodes)
    server, base = start_server({"FAKE_LLM": "1"})
    path = f"/a/{team.slug}/pipelines/{pipeline.pk}/builder/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
            measure_load(browser, base, cookie, path, args.nodes, args.loads)
            measure_drag(browser, base, cookie, path, args.moves)
            browser.close()
    finally:
        stop_server(server)
        _remove(team, user)


if __name__ == "__main__":
    main()
