"""`make run`: migrate, create the demo data, then run the web server, a Celery worker and Celery beat
until Ctrl-C, restarting any of them that exits (apps/web/supervisor.py). On the embedded default no
other server is needed: PostgreSQL and the Valkey broker are started here (docs/adr/0001 and 0002)."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.service_providers.local_llm.server import OWNER_PID_ENV, stop_local_server
from apps.web.actions import sync_site
from apps.web.demo import ensure_demo_chatbot, ensure_demo_data
from apps.web.supervisor import BrokerWatch, Supervisor
from config import embedded_valkey
from config.broker import ensure_embedded_broker, release_embedded_broker, uses_embedded_broker
from config.embedded_postgres import ensure_embedded_database


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
        # On the embedded default the database outlives any child (their own start only attaches to it).
        ensure_embedded_database()
        call_command("migrate", interactive=False, verbosity=0)
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
        links_env = site_url_environment(url)
        sync_site(site_url=links_env.get("SITE_URL"))  # account emails name this host, not example.com
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
        # The broker outlives any child (a restarted worker finds its queue as it was) and stops with
        # this process unless another user (a test run) still needs it.
        ensure_embedded_broker()
        # The local model server, started by whichever child needs it first, lives as long as this process.
        child_env = {**os.environ, **links_env, OWNER_PID_ENV: str(os.getpid())}
        supervisor = Supervisor(processes, cwd=settings.BASE_DIR, env=child_env, log=self._log)
        stop = _StopRequest()
        signal.signal(signal.SIGINT, stop.request)
        signal.signal(signal.SIGTERM, stop.request)
        supervisor.start()
        try:
            if _wait_until_healthy(url, supervisor, stop):
                self._print_banner(url, demo, demo_bot, time.monotonic() - started)
            broker = BrokerWatch(embedded_valkey.data_dir(), self._log) if uses_embedded_broker() else None
            supervisor.run(lambda: stop.requested, also=broker.check if broker else None)
        finally:
            supervisor.stop_all()
            release_embedded_broker()
            stop_local_server()
            # The embedded PostgreSQL server stops when this process exits, unless another user (a
            # test run) still needs it; children that died by signal are not counted as users.

    def _log(self, message: str) -> None:
        self.stderr.write(f"runplatform: {message}")

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


def site_url_environment(url: str) -> dict[str, str]:
    """What the children need so links made outside a request (emails sent from tasks) use the port
    served here: SITE_URL=<url> unless the operator set SITE_URL, marked as derived so links made during
    a request still follow the request's host (apps/utils/site.py)."""
    if settings.SITE_URL_IS_SET:
        return {}
    return {"SITE_URL": url, "SITE_URL_FROM_PORT": "1"}


class _StopRequest:
    def __init__(self):
        self.requested = False

    def request(self, signum, frame) -> None:
        self.requested = True


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex(("127.0.0.1" if host == "0.0.0.0" else host, port)) == 0


def _wait_until_healthy(url: str, supervisor: Supervisor, stop: _StopRequest, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested:
        supervisor.check()  # a child that dies while starting is started again
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False
