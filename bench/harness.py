"""What the benchmark scripts share: Django set up against the embedded database of `make run`, and a
uvicorn server started as production runs it (`config.asgi`) on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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


def start_server(env: dict[str, str], workers: int = 1) -> tuple[subprocess.Popen, str]:
    """uvicorn serving the platform with `env` added to this process's environment; returns once
    /health/ answers."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
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
    server.terminate()
    server.wait(timeout=30)
