import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "chat.example.org",
        "DATABASE_URL": "postgres://user:pass@127.0.0.1:5432/chat",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "FIELD_ENCRYPTION_KEYS": "kO3m2x1hX9s1tq6mJc0n2m5l8u3rVb7oQ1yZ4wE6tA0=",
    }
    env.pop("UNIT_TESTING", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_secret_key():
    env = {**os.environ, "DJANGO_ENV": "production", "SECRET_KEY": "", "DATABASE_URL": "postgres://u@127.0.0.1/x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_missing_encryption_keys():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "s" * 60,
        "DATABASE_URL": "postgres://u@127.0.0.1/x",
        "FIELD_ENCRYPTION_KEYS": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_with_redis_rate_limits_are_counted_in_redis():
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6399/3", "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    command = [sys.executable, "manage.py", "shell", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", result.stderr
