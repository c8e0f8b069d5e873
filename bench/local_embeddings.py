"""Benchmark the bundled local embedding model: load time and sentences per second.

Run from the repository root:  .venv/bin/python bench/local_embeddings.py [--runs 5] [--sentences 256]

Load time is measured in a fresh interpreter (imports of onnxruntime/tokenizers plus building the session), so
the figure is what a new worker pays on its first embedding. Throughput embeds the same set of short,
distinct sentences `--runs` times and reports the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = ["The nurse", "A teacher", "My neighbour", "The farmer", "Our volunteer", "The doctor", "A student", "Mama"]
VERBS = ["checked", "explained", "shared", "forgot", "rescheduled", "printed", "translated", "answered"]
OBJECTS = ["the vaccination schedule.", "a question about school fees.", "the clinic's opening hours.", "my message."]

_LOAD_SNIPPET = """
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
from apps.service_providers.embeddings.local import get_model
imported = time.perf_counter()
get_model()
loaded = time.perf_counter()
print(json.dumps({{"import_s": imported - start, "load_s": loaded - imported}}))
"""


def sentences(count: int) -> list[str]:
    """`count` distinct short sentences (8-12 word pieces each), like chat messages."""
    out = []
    for i in range(count):
        subject, verb, obj = SUBJECTS[i % 8], VERBS[(i // 8) % 8], OBJECTS[(i // 64) % 4]
        out.append(f"{subject} {verb} {obj}" + ("" if i < 256 else f" ({i})"))
    return out


def measure_load() -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_SNIPPET.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_throughput(runs: int, count: int, batch_size: int) -> list[float]:
    from apps.service_providers.embeddings.local import LocalEmbeddings

    embeddings = LocalEmbeddings(batch_size=batch_size)
    texts = sentences(count)
    embeddings.embed_documents(texts[:batch_size])  # warm-up: first-run allocations are not steady state
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        embeddings.embed_documents(texts)
        rates.append(count / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    load = measure_load()
    rates = measure_throughput(args.runs, args.sentences, args.batch_size)
    print(f"model: sentence-transformers/all-MiniLM-L6-v2 (ONNX), cores: {os.cpu_count()}")
    print(f"load: {load['load_s']:.2f} s (after {load['import_s']:.2f} s of imports, fresh process)")
    print(
        f"throughput: median {statistics.median(rates):.0f} sentences/s over {args.runs} runs of "
        f"{args.sentences} sentences, batch size {args.batch_size} "
        f"(min {min(rates):.0f}, max {max(rates):.0f})"
    )


if __name__ == "__main__":
    main()
