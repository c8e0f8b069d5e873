"""What the benchmark scripts share: Django set up against the embedded database of `make run`, and a
uvicorn server started as production runs it (`config.asgi`) on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.embedded_postgres import ensure_embedded_database

    ensure_embedded_database()  # importing the settings starts nothing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], workers: int = 1, wrapper: Sequence[str] = ()) -> tuple[subprocess.Popen, str]:
    """uvicorn serving the platform with `env` added to this process's environment (under the
    `wrapper` command, a profiler, if given); returns once /health/ answers."""
    port = free_port()
    command = [*wrapper, sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
    command += ["--log-level", "warning", "--workers", str(workers)]
    server = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health/").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, base


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)  # as Ctrl-C: a profiler wrapping the server writes its file
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.terminate()
        server.wait(timeout=30)


def remove_team(team) -> None:
    """Delete the bench team; sessions and chatbots protect their chats and pipelines, so go leaf first."""
    from apps.chat.models import Chat
    from apps.experiments.models import Experiment, ExperimentSession
    from apps.pipelines.models import Pipeline
    from apps.trace.writer import flush_traces

    flush_traces()  # traces still queued in this process would name the pipelines deleted below
    ExperimentSession.objects.filter(team=team).delete()
    Chat.objects.filter(team=team).delete()
    Experiment.objects.filter(team=team, working_version__isnull=False).delete()
    Experiment.objects.filter(team=team).delete()
    Pipeline.objects.filter(team=team).delete()
    team.delete()
