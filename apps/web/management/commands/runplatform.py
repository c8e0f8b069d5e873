"""`make run`: migrate, create the demo data, then run the web server, a Celery worker and Celery beat
until Ctrl-C. On the embedded default no other server is needed (see docs/adr/0001 and 0002)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.service_providers.local_llm.server import OWNER_PID_ENV, stop_local_server
from apps.web.demo import ensure_demo_chatbot, ensure_demo_data


class Command(BaseCommand):
    help = "Run the whole platform (web, worker, beat) in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not create the demo team and user.")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options):
        started = time.monotonic()
        if _port_in_use(host, port):
            raise CommandError(f"Port {port} on {host} is in use. Stop what runs there or set PORT=<another port>.")
        call_command("migrate", interactive=False, verbosity=0)
        demo = None if no_demo else ensure_demo_data()
        demo_bot = None if demo is None else ensure_demo_chatbot(demo[2])

        python = sys.executable
        processes = {
            "web": [python, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port)],
            "worker": [python, "-m", "celery", "-A", "config", "worker", "-Q", "chat,background,evaluations",
                       "--pool", "threads", "--concurrency", os.environ.get("CELERY_CONCURRENCY", "4"),
                       "--loglevel", "INFO"],
            "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                     "--schedule", str(settings.BASE_DIR / "var" / "celerybeat-schedule")],
        }  # fmt: skip
        # Own sessions: Ctrl-C reaches only this process, which stops the children in order. The local
        # model server, started by whichever child needs it first, lives as long as this process.
        child_env = {**os.environ, OWNER_PID_ENV: str(os.getpid())}
        children = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, start_new_session=True, env=child_env)
            for name, cmd in processes.items()
        }
        stop = _Stopper(children)
        signal.signal(signal.SIGINT, stop.request)
        signal.signal(signal.SIGTERM, stop.request)
        try:
            url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
            if _wait_until_healthy(url, children, stop):
                self._print_banner(url, demo, demo_bot, time.monotonic() - started)
            while not stop.requested and all(p.poll() is None for p in children.values()):
                time.sleep(0.3)
            for name, process in children.items():
                if process.poll() is not None and not stop.requested:
                    self.stderr.write(f"The {name} process exited with status {process.returncode}; stopping.")
        finally:
            stop.stop_all()
            stop_local_server()
            if not os.environ.get("DATABASE_URL"):
                # Children that died by signal stay registered with the embedded server; forget them
                # so it stops when this process exits.
                from config.embedded_postgres import forget_dead_users

                forget_dead_users()

    def _print_banner(self, url: str, demo, demo_bot, seconds: float) -> None:
        lines = ["", f"  {settings.SITE_NAME} is running at {url}  (ready in {seconds:.1f} s)"]
        if demo:
            email, password, team = demo
            lines += [f"  Demo login: {email} / {password}", f"  Demo team:  {url}/a/{team.slug}/"]
        if demo_bot:
            bot = demo_bot.chatbot
            lines += [
                f"  Demo chatbot (local model, no API key needed): {url}/a/{bot.team.slug}/chatbots/{bot.pk}/",
                f"  Its public chat link: {url}/c/{bot.public_id}/",
                f"  API key: {demo_bot.api_key}",
                f"    curl -X POST {url}/channels/api/{bot.public_id}/incoming_message "
                f"-H 'X-api-key: {demo_bot.api_key}' -H 'Content-Type: application/json' -d '{{\"message\": \"Hi\"}}'",
            ]
        lines += ["  Emails (sign-up, invitations) are printed here.  Press Ctrl-C to stop.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


class _Stopper:
    def __init__(self, children: dict[str, subprocess.Popen]):
        self.children = children
        self.requested = False

    def request(self, signum, frame) -> None:
        self.requested = True

    def stop_all(self, timeout: float = 15) -> None:
        for process in self.children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.children.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex(("127.0.0.1" if host == "0.0.0.0" else host, port)) == 0


def _wait_until_healthy(url: str, children, stop: _Stopper, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested:
        if any(p.poll() is not None for p in children.values()):
            return False
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False
