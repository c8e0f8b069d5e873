"""Celery application. Three queues: `chat` (replies, latency-sensitive), `background` (the default)
and `evaluations` (long, bulk). Tasks are routed by the module that defines them. The broker speaks
the Redis protocol: REDIS_URL, or the embedded Valkey server, which a worker or beat starts when it
is not running yet (ADR 0002); so is the embedded PostgreSQL server (ADR 0023)."""

import os

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chatstudio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("chat"), Queue("background"), Queue("evaluations")]
app.conf.task_default_queue = "background"
app.conf.task_routes = {
    # Not behind the replies it is there to rescue.
    "apps.chat.tasks.requeue_unanswered_messages": {"queue": "background"},
    "apps.chat.tasks.*": {"queue": "chat"},  # the runtime's tasks keep their old names (ADR 0024)
    "apps.channels.tasks.*": {"queue": "chat"},
    "apps.evaluations.tasks.*": {"queue": "evaluations"},
}
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _start_process(sender=None, **kwargs) -> None:
    from config.broker import ensure_embedded_broker
    from config.db_pool import check_every_checkout
    from config.embedded_postgres import ensure_embedded_database

    ensure_embedded_database()  # on the embedded default; importing the settings starts nothing
    ensure_embedded_broker()
    check_every_checkout()  # survive a database restart without failing the next task


@signals.worker_ready.connect
def _start_heartbeat(sender=None, **kwargs) -> None:
    from config.broker import start_heartbeat

    # The worker's own broker (a test may run a worker on another broker than the settings name).
    start_heartbeat(sender.hostname, sender.app.conf.broker_url)


@signals.worker_shutdown.connect
def _stop_heartbeat(sender=None, **kwargs) -> None:
    from config.broker import stop_heartbeat

    stop_heartbeat()
