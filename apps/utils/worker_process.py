"""Test helper: a real Celery worker in its own process (`python -m celery -A config worker`), on a
given broker and on the test database, so a test can kill it as an operating system would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def current_database_url() -> str:
    """The URL of the database this test run uses (the test database, not the configured one)."""
    params = connection.settings_dict
    user = quote(params["USER"] or "")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    host = params["HOST"] or params["OPTIONS"].get("host", "")
    if host.startswith("/"):  # a Unix socket directory, as the embedded server uses
        return f"postgresql://{user}{password}@/{params['NAME']}?host={quote(host, safe='/')}"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{params['NAME']}"


class WorkerProcess:
    def __init__(self, broker_url: str, *, queues: str = "chat", prefetch: int = 1, **env: str):
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log = Path(settings.BASE_DIR) / "var" / "test-logs" / f"{self.name}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-n", self.name,
            "--pool", "threads", "--concurrency", "1", "--prefetch-multiplier", str(prefetch),
            "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        child_env = {
            **os.environ,
            "DATABASE_URL": current_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        }
        child_env.pop("TEST_DATABASE_NAME", None)  # DATABASE_URL names the test database itself
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=child_env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_for_log(self, text: str, timeout: float = 120) -> None:
        # Generous: a worker imports the whole project before its banner, which takes well over 30 s
        # on a loaded 2-core machine running the suite in parallel (pytest-xdist).
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker never logged {text!r}:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgements, no exit hooks."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
