"""The lint that keeps private framework APIs out: ruff's SLF001, PLC2701 and TID251 as pyproject.toml
configures them, run by `make lint` (ADR 0022). Each sample is checked as if it were a file of the project."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RULES = "SLF001,PLC2701,TID251"


def lint(source: str, path: str = "apps/example/module.py") -> set[str]:
    """The codes ruff reports for `source` placed at `path` in the repository."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "json", "--select", RULES]
        + ["--stdin-filename", path, "-"],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    return {item["code"] for item in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("source", "code"),
    [
        # Private names, imported or reached through an object.
        ("from psycopg import _encodings\n", "PLC2701"),
        ("from psycopg_pool.pool import _get_ready_connection\n", "PLC2701"),
        ("from celery.utils.log import _CompatLoggerAdapter\n", "PLC2701"),
        ("from langchain_core.messages.utils import _convert_to_message\n", "PLC2701"),
        ("def f(pool, check):\n    pool._check = check\n", "SLF001"),
        ("import pgserver\n\nwith pgserver.PostgresServer._lock:\n    pass\n", "SLF001"),
        ("def f(queryset):\n    return queryset._iterable_class\n", "SLF001"),
        ("import psycopg._encodings\n\nprint(psycopg._encodings.pg2pyenc)\n", "SLF001"),
        # Modules and names their projects treat as internal.
        ("from django.db.models.sql import InsertQuery\n", "TID251"),
        ("from django.db.models.sql.query import Query\n", "TID251"),
        ("from django.db.models.query import get_related_populators\n", "TID251"),
        ("from django.core.handlers.asgi import ASGIHandler\n", "TID251"),
        ("from django.core.handlers.exception import convert_exception_to_response\n", "TID251"),
        ("from tiktoken_ext.openai_public import o200k_base\n", "TID251"),
        ("from tiktoken.load import read_file_cached\n", "TID251"),
        ("import tiktoken\n\ntiktoken.get_encoding('o200k_base')\n", "TID251"),
        ("from pgserver.utils import DiskList\n", "TID251"),
    ],
)
def test_a_private_api_is_refused(source, code):
    assert code in lint(source)


def test_public_apis_pass():
    source = """\
import tiktoken
from django.db.models import Model
from django.db.models.query import QuerySet
from psycopg_pool import ConnectionPool
from tiktoken.load import load_tiktoken_bpe


def f(model: type[Model], queryset: QuerySet, conn, ranks) -> object:
    ConnectionPool.check_connection(conn)
    return model._meta.get_field("id"), model._default_manager, queryset.model, tiktoken.Encoding, load_tiktoken_bpe
"""
    assert lint(source) == set()


def test_tests_may_reach_into_their_own_modules_but_not_into_a_framework():
    assert lint("def test_x(tokens):\n    tokens._encodings.clear()\n", "apps/example/tests/test_x.py") == set()
    assert lint("from psycopg import _encodings\n", "apps/example/tests/test_x.py") == {"PLC2701"}


def test_the_project_passes():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", RULES, "apps", "config", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
