"""Cost of one sandboxed run of user code: `run_user_code` for a trivial `main`, versus calling the same
function in-process with `exec` (no isolation at all), plus a bare interpreter start for scale and the
same call without bubblewrap (the development fallback), to show what the OS boundary costs.

Run from the repository root: ``.venv/bin/python bench/sandbox.py [--runs 30]``.
Reports the median and 90th percentile of each, and the ratio of the medians. The sandbox starts a fresh
interpreter per call; a pre-forked pool of children would remove most of that start-up cost.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CODE = "def main(input, **kwargs):\n    return input.upper()\n"


def _measure(call: Callable[[], object], runs: int) -> list[float]:
    for _ in range(3):  # warm caches (compiled code, page cache for the interpreter)
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _measure_interleaved(calls: list[Callable[[], object]], runs: int) -> list[list[float]]:
    """Like _measure, alternating the calls, so that load from other processes weighs on each alike."""
    for call in calls:
        call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for index, call in enumerate(calls):
            started = time.perf_counter()
            call()
            samples[index].append((time.perf_counter() - started) * 1000)
    return samples


def _summary(label: str, samples: list[float]) -> str:
    p90 = statistics.quantiles(samples, n=10)[-1]
    return f"{label:<38} median {statistics.median(samples):9.3f} ms   p90 {p90:9.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="calls per path")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))

    from apps.pipelines.sandbox import DictHelperHost, run_user_code
    from apps.pipelines.sandbox.runner import INTERPRETER_FLAGS
    from apps.utils import os_sandbox

    def in_process() -> str:
        namespace: dict[str, object] = {}
        exec(CODE, namespace)  # noqa: S102 - the unsandboxed baseline
        return namespace["main"]("hi")  # type: ignore[operator]

    def bare_interpreter() -> None:
        subprocess.run([sys.executable, *INTERPRETER_FLAGS, "-c", "pass"], check=True, env={})

    def sandboxed() -> str:
        return run_user_code(CODE, "hi", host=DictHelperHost())

    def without_bwrap() -> str:
        # The same call with bwrap reported missing (the development fallback): what bwrap costs.
        real = os_sandbox.bwrap_works
        os_sandbox.bwrap_works = lambda: False  # type: ignore[assignment]
        try:
            return sandboxed()
        finally:
            os_sandbox.bwrap_works = real

    assert in_process() == sandboxed() == without_bwrap() == "HI"
    baseline = _measure(in_process, args.runs)
    interpreter = _measure(bare_interpreter, args.runs)
    fallback, sandbox = _measure_interleaved([without_bwrap, sandboxed], args.runs)
    bwrap = "on" if os_sandbox.bwrap_works() else "MISSING (both sandboxed lines are without it)"
    print(f"{args.runs} runs each, Python {sys.version.split()[0]}, bwrap {bwrap}")
    print(_summary("in-process exec + call (no isolation)", baseline))
    print(_summary("bare `python -I -S -c pass`", interpreter))
    print(_summary("run_user_code without bwrap", fallback))
    print(_summary("run_user_code (sandboxed, bwrap)", sandbox))
    print(f"bwrap adds {statistics.median(sandbox) - statistics.median(fallback):+.1f} ms a call (medians)")
    ratio = statistics.median(sandbox) / statistics.median(baseline)
    startup_share = statistics.median(interpreter) / statistics.median(sandbox)
    print(f"sandboxed / in-process: {ratio:,.0f}x; interpreter start-up is {startup_share:.0%} of a sandboxed call")


if __name__ == "__main__":
    main()
