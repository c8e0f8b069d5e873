"""A second process running our code against the test database, for tests of what happens when one
dies (a Celery worker of our own: apps/utils/worker_process.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from apps.utils.worker_process import current_database_url


def child_environment(**extra: str) -> dict[str, str]:
    """This environment, aimed at the test database. The child is not under pytest, so it runs with
    the production defaults (background writers, Celery not eager) unless `extra` says otherwise."""
    env = {**os.environ, "DATABASE_URL": current_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("TEST_DATABASE_NAME", None)  # DATABASE_URL names the test database itself
    return {**env, **extra}


def start_python(code: str, *args: str, **extra_env: str) -> subprocess.Popen[str]:
    """`python -c code args…` in the repository, its own process group (so it can be killed whole)."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=settings.BASE_DIR,
        env=child_environment(**extra_env),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
