"""Celery application. Three queues: `chat` (replies, latency-sensitive), `background` (the default)
and `evaluations` (long, bulk). Tasks are routed by the module that defines them."""

import os

from celery import Celery
from kombu import Queue

from config import kombu_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

kombu_transport.register()
app = Celery("chatstudio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("chat"), Queue("background"), Queue("evaluations")]
app.conf.task_default_queue = "background"
app.conf.task_routes = {
    "apps.chat.tasks.*": {"queue": "chat"},
    "apps.channels.tasks.*": {"queue": "chat"},
    "apps.evaluations.tasks.*": {"queue": "evaluations"},
}
app.autodiscover_tasks()
