"""`make chaos`: messages under process faults. Nothing may be lost, answered twice or left stuck.

Starts the platform as `make run` does (`manage.py runplatform`: web, worker, beat, the embedded
PostgreSQL and Valkey) on a fresh data folder (var/chaos/) with an echoing fake model that takes a
moment to answer, then sends API-channel and widget messages, each carrying a unique id, from several
clients at once while it
  1. kills the Celery worker with SIGKILL,
  2. kills the web server with SIGKILL,
  3. restarts PostgreSQL (fast shutdown: every connection is cut),
  4. restarts Valkey (SIGKILL: the broker disappears mid-stream).
Clients retry what failed as a real one would: the API channel with the same `message_id`; the widget,
which has no message id, looks in the session's messages for its text before sending it again.
At the end the database is read: each id must have exactly one human message and one reply. Prints
what was lost, answered twice or stuck, and how long the platform took to answer again after each
fault; exits 1 when anything was lost, doubled or stuck.

Run from the repository root: `.venv/bin/python bench/chaos.py [--messages 200] [--clients 10]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from harness import REPO_ROOT, free_port

CHAOS_DIR = REPO_ROOT / "var" / "chaos"
MODEL_DELAY_SECONDS = "0.3"  # replies take a moment, so every fault finds messages in flight
RETRY_DELAY_SECONDS = 0.5
THINK_SECONDS = 1.0  # between a client's messages, so the messages span every fault


@dataclass
class Outcome:
    uid: str
    surface: str
    attempts: int = 0
    answered: bool = False
    last_error: str = ""
    seconds: float = 0.0
    answered_at: float = 0.0  # seconds into the run


@dataclass
class Faults:
    log: list[tuple[str, float, float | None]] = field(default_factory=list)  # name, at, seconds to recover


def _environment(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "EMBEDDED_PGDATA": str(CHAOS_DIR / "pgdata"),
        "EMBEDDED_VALKEY_DIR": str(CHAOS_DIR / "valkey"),
        "PORT": str(port),
        "FAKE_LLM": "1",
        "FAKE_LLM_DELAY": MODEL_DELAY_SECONDS,
        "API_RATE_PER_KEY": "1000000/min",
        "API_RATE_PER_SESSION": "100000/min",
        "WIDGET_SESSION_STARTS_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }


def _setup_django(env: dict[str, str]) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    os.environ.update({key: env[key] for key in ("EMBEDDED_PGDATA", "EMBEDDED_VALKEY_DIR", "FAKE_LLM")})
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.embedded_postgres import ensure_embedded_database

    ensure_embedded_database()  # importing the settings starts nothing


def _fixture() -> tuple[str, str]:
    """A team with a simple chatbot and an API key; returns the chatbot's public id and the key."""
    from django.core.management import call_command

    from apps.api.keys import create_api_key
    from apps.experiments.actions import create_simple_chatbot
    from apps.service_providers.models import LlmProvider, LlmProviderModel
    from apps.teams.models import Team

    call_command("migrate", interactive=False, verbosity=0)
    team = Team.objects.create(name="chaos", slug=f"chaos-{uuid.uuid4().hex[:8]}")
    provider = LlmProvider.objects.create(team=team, type="openai", name="fake", config={"api_key": "x"})
    model = LlmProviderModel.objects.get(team=None, type="openai", name="gpt-4o-mini")
    chatbot = create_simple_chatbot(team=team, name="chaos", prompt="Echo.", provider=provider, model=model)
    _, key = create_api_key(team=team, name="chaos")
    return str(chatbot.public_id), key


# --- the platform and its faults -------------------------------------------------------------------


def _start_platform(env: dict[str, str], base: str) -> subprocess.Popen:
    log = open(CHAOS_DIR / "platform.log", "wb")  # noqa: SIM115 - lives as long as the platform
    command = [sys.executable, "manage.py", "runplatform", "--no-demo"]
    platform = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if _wait_healthy(base, timeout=120) is None:
        platform.terminate()
        raise SystemExit(f"The platform did not become healthy; see {CHAOS_DIR / 'platform.log'}")
    return platform


def _wait_healthy(base: str, timeout: float) -> float | None:
    """Seconds until /health/ says "ok": web, database, broker and a live worker heartbeat; or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            response = httpx.get(f"{base}/health/", timeout=2)
            if response.status_code == 200 and response.json().get("status") == "ok":
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return None


def _processes(platform: subprocess.Popen, needle: str):
    import psutil

    found = []
    for process in psutil.Process(platform.pid).children(recursive=True):
        try:
            if needle in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:
            continue
    return found


def _kill(platform: subprocess.Popen, needle: str, name: str) -> None:
    victims = _processes(platform, needle)
    if not victims:
        raise SystemExit(f"No {name} process to kill (looked for {needle!r})")
    for victim in victims:
        os.kill(victim.pid, signal.SIGKILL)


def _pg_ctl(action: str) -> None:
    import pgserver

    data = CHAOS_DIR / "pgdata"
    owner = None
    if os.geteuid() == 0:  # pgserver runs the server as its own system user when started as root
        import pwd

        owner = pwd.getpwuid(data.stat().st_uid).pw_name
    # pgserver exports a function per PostgreSQL program, made at import time (so untyped).
    pgserver.pg_ctl(["-w", "-m", "fast", action], pgdata=data, user=owner, timeout=60)  # type: ignore[attr-defined]


def _restart_postgres() -> None:
    _pg_ctl("restart")


def _stop_postgres() -> None:
    """pgserver stops the server it started with its last user; the one the restart started is not
    that one, so stop it here."""
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        _pg_ctl("stop")


def _restart_valkey() -> None:
    """Kill this run's Valkey (the pid in its own data folder: never another checkout's or a test's)
    and wait for runplatform to start it again, as it does when the broker stops answering."""
    from config import embedded_valkey

    directory = CHAOS_DIR / "valkey"
    os.kill(int((directory / "valkey.pid").read_text()), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not embedded_valkey.ping(embedded_valkey.socket_path(directory)):
        if time.monotonic() > deadline:
            raise SystemExit("runplatform did not start the killed Valkey server again")
        time.sleep(0.2)


def _inject(platform: subprocess.Popen, base: str, faults: Faults, started: float) -> None:
    steps = [
        ("kill -9 worker", lambda: _kill(platform, "celery -A config worker", "worker")),
        ("kill -9 web", lambda: _kill(platform, "uvicorn", "web")),
        ("restart PostgreSQL", _restart_postgres),
        ("restart Valkey (kill -9)", _restart_valkey),
    ]
    for name, action in steps:
        time.sleep(4)
        at = time.monotonic() - started
        action()
        time.sleep(0.5)  # let the fault land before asking whether the platform is back
        recovered = _wait_healthy(base, timeout=120)
        faults.log.append((name, at, None if recovered is None else recovered + 0.5))


# --- clients ---------------------------------------------------------------------------------------


class ApiClient:
    """One API-channel conversation; retries a message with the same message_id until it is answered."""

    def __init__(self, base: str, chatbot: str, key: str, deadline: float):
        self.http = httpx.Client(base_url=base, timeout=30, headers={"X-api-key": key})
        self.chatbot, self.deadline, self.session = chatbot, deadline, None

    def send(self, outcome: Outcome) -> None:
        while time.monotonic() < self.deadline:
            outcome.attempts += 1
            try:
                if self.session is None:
                    response = self.http.post("/api/sessions/", json={"experiment": self.chatbot})
                    if response.status_code == 201:
                        self.session = response.json()["id"]
                    else:
                        outcome.last_error = f"session start {response.status_code}"
                        time.sleep(RETRY_DELAY_SECONDS)
                        continue
                body = {"message": outcome.uid, "session": self.session, "message_id": outcome.uid}
                response = self.http.post(f"/channels/api/{self.chatbot}/incoming_message", json=body)
                if response.status_code == 200 and outcome.uid in response.json()["response"]:
                    outcome.answered = True
                    return
                outcome.last_error = f"{response.status_code} {response.text[:120]}"
            except httpx.HTTPError as error:
                outcome.last_error = f"{type(error).__name__}"
            time.sleep(RETRY_DELAY_SECONDS)


class WidgetClient:
    """One widget session, as the published widget talks: send, then poll the task. The widget has no
    message id, so before sending again it looks for its text among the session's messages."""

    def __init__(self, base: str, chatbot: str, deadline: float):
        self.http = httpx.Client(base_url=base, timeout=30)
        self.chatbot, self.deadline = chatbot, deadline
        self.session: str | None = None
        self.token = ""

    def _headers(self) -> dict[str, str]:
        return {"X-Session-Token": self.token} if self.token else {}

    def _start(self) -> bool:
        response = self.http.post("/api/chat/start/", json={"chatbot_id": self.chatbot})
        if response.status_code != 201:
            return False
        body = response.json()
        self.session, self.token = body["session_id"], body.get("session_token") or ""
        return True

    def _messages(self) -> list[dict] | None:
        response = self.http.get(f"/api/chat/{self.session}/poll/?limit=200", headers=self._headers())
        return response.json()["messages"] if response.status_code == 200 else None

    def send(self, outcome: Outcome) -> None:
        sent = False
        while time.monotonic() < self.deadline:
            outcome.attempts += 1
            try:
                if self.session is None and not self._start():
                    outcome.last_error = "session start failed"
                    time.sleep(RETRY_DELAY_SECONDS)
                    continue
                messages = self._messages() if sent else []
                if messages is None:
                    outcome.last_error = "poll failed"
                elif any(m["role"] == "assistant" and outcome.uid in m["content"] for m in messages):
                    outcome.answered = True
                    return
                elif any(m["role"] == "user" and m["content"] == outcome.uid for m in messages):
                    outcome.last_error = "stored, waiting for the reply"
                else:
                    response = self.http.post(
                        f"/api/chat/{self.session}/message/", json={"message": outcome.uid}, headers=self._headers()
                    )
                    sent = True
                    if response.status_code != 202:
                        outcome.last_error = f"send {response.status_code} {response.text[:120]}"
            except httpx.HTTPError as error:
                sent = True  # it may have been stored before the connection broke
                outcome.last_error = type(error).__name__
            time.sleep(RETRY_DELAY_SECONDS)


# --- verdict ---------------------------------------------------------------------------------------


def _verdict(outcomes: list[Outcome]) -> dict[str, list[str]]:
    from django.db import OperationalError, connection

    # PostgreSQL was restarted under this process's pooled connections: drop dead ones until one works.
    for _ in range(20):
        try:
            return _count(outcomes)
        except OperationalError:
            connection.close()
    return _count(outcomes)


def _count(outcomes: list[Outcome]) -> dict[str, list[str]]:
    from apps.chat.models import ChatMessage

    uids = [o.uid for o in outcomes]
    humans: dict[str, int] = dict.fromkeys(uids, 0)
    replies: dict[str, int] = dict.fromkeys(uids, 0)
    prefix = uids[0].rsplit("-", 1)[0]
    for content, message_type in ChatMessage.objects.filter(content__contains=prefix).values_list(
        "content", "message_type"
    ):
        uid = next((u for u in uids if u in content), None)
        if uid is None:
            continue
        if message_type == ChatMessage.Type.HUMAN:
            humans[uid] += 1
        elif message_type == ChatMessage.Type.AI:
            replies[uid] += 1
    return {
        "lost (never stored)": [u for u in uids if humans[u] == 0],
        "stuck (stored, never answered)": [u for u in uids if humans[u] and not replies[u]],
        "answered twice": [u for u in uids if replies[u] > 1],
        "stored twice": [u for u in uids if humans[u] > 1],
        "client gave up": [o.uid for o in outcomes if not o.answered],
    }


def _next_answers(outcomes: list[Outcome], at: float) -> str:
    """How long after a fault each surface answered a message sent after it (the time to recover as
    a participant sees it; /health/ cannot see a dead worker until its heartbeat goes stale)."""
    parts = []
    for surface in ("api", "widget"):
        later = [o.answered_at for o in outcomes if o.answered and o.surface == surface and o.answered_at > at]
        parts.append(f"next {surface} answer after {min(later) - at:.1f} s" if later else f"no {surface} answer")
    return ", ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--deadline", type=float, default=240, help="seconds for all messages to be answered")
    args = parser.parse_args()

    shutil.rmtree(CHAOS_DIR, ignore_errors=True)
    CHAOS_DIR.mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _environment(port)
    _setup_django(env)
    chatbot, key = _fixture()
    platform = _start_platform(env, base)
    run = uuid.uuid4().hex[:8]
    # Client k sends messages k, k + clients, k + 2 * clients, …: on both surfaces, in turn.
    outcomes = [
        Outcome(f"chaos-{run}-{i:04d}", "api" if (i // args.clients) % 2 == 0 else "widget")
        for i in range(args.messages)
    ]
    faults = Faults()
    started = time.monotonic()
    deadline = started + args.deadline
    try:
        injector = threading.Thread(target=_inject, args=(platform, base, faults, started), daemon=True)
        injector.start()
        per_client = [outcomes[i :: args.clients] for i in range(args.clients)]

        def converse(batch: list[Outcome]) -> None:
            api = ApiClient(base, chatbot, key, deadline)
            widget = WidgetClient(base, chatbot, deadline)
            for outcome in batch:
                began = time.monotonic()
                (api if outcome.surface == "api" else widget).send(outcome)
                outcome.seconds = time.monotonic() - began
                outcome.answered_at = time.monotonic() - started
                time.sleep(THINK_SECONDS)

        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(converse, per_client))
        injector.join(timeout=300)
        wall = time.monotonic() - started
        verdict = _verdict(outcomes)
    finally:
        platform.send_signal(signal.SIGINT)
        try:
            platform.wait(60)
        except subprocess.TimeoutExpired:
            platform.kill()
        from django.db import connections

        connections.close_all()
        _stop_postgres()

    api_count = sum(o.surface == "api" for o in outcomes)
    print(f"\n{args.messages} messages ({api_count} API channel, {args.messages - api_count} widget)")
    print(f"from {args.clients} clients in {wall:.1f} s")
    for name, at, recovered in faults.log:
        recovery = "did not recover" if recovered is None else f"healthy again after {recovered:.1f} s"
        print(f"  at {at:5.1f} s: {name}: {recovery}; {_next_answers(outcomes, at)}")
    retried = [o for o in outcomes if o.attempts > 1]
    print(f"messages retried by their client: {len(retried)}")
    times = [o.seconds for o in outcomes if o.answered]
    if times:
        print(f"time to an answer: median {statistics.median(times):.2f} s, max {max(times):.1f} s")
    failed = False
    for label, uids in verdict.items():
        print(f"{label}: {len(uids)}" + (f"  e.g. {uids[:5]}" if uids else ""))
        failed = failed or bool(uids)
    for outcome in [o for o in outcomes if not o.answered][:5]:
        print(f"  {outcome.uid} ({outcome.surface}): last error {outcome.last_error}")
    if any(recovered is None for _, _, recovered in faults.log):
        failed = True
    print("chaos: FAILED" if failed else "chaos: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
