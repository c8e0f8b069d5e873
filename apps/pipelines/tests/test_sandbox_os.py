"""The operating system as the boundary (bubblewrap, apps/utils/os_sandbox.py): with the Python layer
switched off, plain Python in the code node's sandbox and in the document readers' sandbox finds no
host file, no project file, no other team's upload, no secret and no network. And where bwrap is
missing, production refuses to run code while development warns once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from apps.files import text_extraction
from apps.pipelines.sandbox import DictHelperHost, SandboxDisabled, SandboxLimits, run_user_code
from apps.pipelines.sandbox import runner as sandbox_runner
from apps.service_providers.tests.fake_http import FakeServer
from apps.utils import os_sandbox
from apps.utils.seccomp import denied_syscalls
from apps.utils.seccomp_fallback import hand_built_filter

LIMITS = SandboxLimits(cpu_seconds=2, wall_seconds=10, memory_mb=128)
SECRET = "team-b-secret-7f3a"

# Reads each path and reports what it found; the same payload runs in both sandboxes.
PROBE = """
import json, os, socket

def attempt(action):
    try:
        return ["ok", action()]
    except Exception as error:
        return ["refused", type(error).__name__]

def read(path):
    with open(path, "rb") as handle:
        return handle.read(4096).decode("utf-8", "replace")

def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        return connection.recv(100).decode()

def probe(targets):
    report = {path: attempt(lambda path=path: read(path)) for path in targets["files"]}
    report["listdir /"] = attempt(lambda: sorted(os.listdir("/")))
    report["listdir media"] = attempt(lambda: os.listdir(targets["media"]))
    report["connect"] = attempt(lambda: connect(targets["port"]))
    report["uid"] = os.getuid()
    report["environ"] = sorted(os.environ)
    return json.dumps(report)
"""


@pytest.fixture
def targets(settings, tmp_path):
    """Another team's upload (world-readable, as uploads were before), the project's settings and
    .env, the host's /etc/passwd, the sandbox's pid 1 and this worker's environment, and a server."""
    media = tmp_path / "media"
    other_team_file = media / "files" / "2" / "0123abcd" / "results.txt"
    other_team_file.parent.mkdir(parents=True)
    other_team_file.write_text(SECRET)
    os.chmod(other_team_file, 0o644)
    settings.MEDIA_ROOT = media
    project = Path(django_settings.BASE_DIR)
    server = FakeServer().start()
    yield {
        "files": [
            str(other_team_file),
            str(project / "config" / "settings.py"),
            str(project / ".env"),
            "/etc/passwd",
            "/proc/1/environ",
            f"/proc/{os.getpid()}/environ",
        ],
        "media": str(media),
        "port": int(server.url.rsplit(":", 1)[1]),
        "server": server,
    }
    server.stop()


def assert_nothing_found(report: dict, targets: dict) -> None:
    for path in targets["files"]:
        outcome, found = report[path]
        if path == "/proc/1/environ" and outcome == "ok":
            assert found == "", found  # the sandbox's own init (bwrap), started with no environment
            continue
        assert outcome == "refused", (path, found[:200])
    assert report["listdir media"][0] == "refused"
    visible = set(report["listdir /"][1])
    assert visible <= {"usr", "lib", "lib64", "lib32", "bin", "tmp", "proc", "dev", "sandbox", "root"}, visible
    assert not visible & {"etc", "home", "work", "var"}
    assert report["connect"][0] == "refused"
    assert targets["server"].requests == []
    assert report["uid"] == os_sandbox.SANDBOX_UID
    assert SECRET not in json.dumps(report)


def test_code_node_without_the_language_layer_finds_nothing(bwrap, targets):
    code = PROBE + f"\ndef main(input, **kwargs):\n    return probe({json.dumps(targets_for_json(targets))})\n"
    report = json.loads(run_user_code(code, "", host=DictHelperHost(), limits=LIMITS, language_layer=False))
    assert_nothing_found(report, targets)
    assert set(report["environ"]) <= {"LC_CTYPE", "PWD"}  # CPython's locale coercion; bwrap's --chdir


def test_document_reader_sandbox_finds_nothing(bwrap, targets):
    # The readers' view (installed packages, document_readers.py) without seccomp, to show the file
    # system and network namespaces hold by themselves.
    code = PROBE + f"\nprint(probe({json.dumps(targets_for_json(targets))}))\n"
    command = text_extraction.sandboxed_reader_command(["-c", code], seccomp_fd=None)
    completed = subprocess.run(command, capture_output=True, env={}, timeout=20, check=True)  # noqa: S603
    report = json.loads(completed.stdout)
    assert_nothing_found(report, targets)
    assert set(report["environ"]) <= {
        "PATH",
        "LANG",
        "PYTHONDONTWRITEBYTECODE",
        "OPENBLAS_NUM_THREADS",
        "LC_CTYPE",
        "PWD",
    }


@pytest.mark.parametrize("source", ["built", "hand-made fallback"])
def test_document_readers_get_the_seccomp_filter(bwrap, source):
    code = "import socket\ntry:\n    socket.socket()\nexcept PermissionError:\n    print('denied')\n"
    program = text_extraction._SECCOMP_FILTER
    if source != "built":  # what stands in where libseccomp is absent
        program = hand_built_filter(denied_syscalls(allow_exec=True))
    read_end, write_end = os.pipe()
    os.write(write_end, program or b"")
    os.close(write_end)
    try:
        command = text_extraction.sandboxed_reader_command(["-c", code], seccomp_fd=read_end)
        completed = subprocess.run(command, capture_output=True, timeout=20, pass_fds=(read_end,), check=True)  # noqa: S603
    finally:
        os.close(read_end)
    assert completed.stdout == b"denied\n"


def test_no_capabilities_and_no_nested_user_namespace_even_without_seccomp(bwrap):
    code = (
        "import ctypes\n"
        "print(ctypes.CDLL(None, use_errno=True).unshare(0x10000000))\n"  # CLONE_NEWUSER
        "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n"
    )
    command = text_extraction.sandboxed_reader_command(["-c", code], seccomp_fd=None)
    completed = subprocess.run(command, capture_output=True, env={}, timeout=20, check=True)  # noqa: S603
    unshared, capabilities = completed.stdout.decode().split()
    assert capabilities == "0000000000000000"
    if "--disable-userns" in command:  # bwrap >= 0.8; older ones rely on the seccomp filters alone
        assert unshared == "-1"


def test_the_layers_in_effect_are_logged(bwrap, monkeypatch, caplog):
    monkeypatch.setattr(sandbox_runner, "_layers_reported", False)
    with caplog.at_level(logging.INFO, logger="apps.pipelines.sandbox.runner"):
        run_user_code("def main(input, **kwargs):\n    return input", "x", host=DictHelperHost(), limits=LIMITS)
    [record] = [r for r in caplog.records if "Sandbox OS layers" in r.getMessage()]
    layers = record.getMessage()
    for layer in ("bwrap-filesystem", "user-namespace", "pid-namespace", "network-namespace", "rlimits", "seccomp"):
        assert layer in layers
    assert layers.endswith("missing: none")


def test_a_killed_child_is_reported_through_bwrap(bwrap):
    # bwrap turns "killed by SIGXCPU" into exit status 152; the runner must still say why.
    from apps.pipelines.sandbox import CodeTimeout

    limits = SandboxLimits(cpu_seconds=1, wall_seconds=30, memory_mb=128)
    with pytest.raises(CodeTimeout, match="The code ran longer than 1 s"):
        run_user_code(
            "def main(input, **kwargs):\n    while True:\n        pass", "", host=DictHelperHost(), limits=limits
        )


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(os_sandbox, "bwrap_works", lambda: False)
    monkeypatch.setattr(os_sandbox, "_warned", False)


def test_production_refuses_to_run_code_without_bwrap(no_bwrap, settings):
    settings.SANDBOX_ALLOW_WITHOUT_BWRAP = False
    with pytest.raises(SandboxDisabled, match="bubblewrap .* SANDBOX_ALLOW_WITHOUT_BWRAP=true"):
        run_user_code("def main(input, **kwargs):\n    return input", "x", host=DictHelperHost(), limits=LIMITS)


def test_production_does_not_read_documents_without_bwrap(no_bwrap, settings):
    # extract_text turns this into "the file is only named" and a logged warning, like any reader failure.
    settings.SANDBOX_ALLOW_WITHOUT_BWRAP = False
    with pytest.raises(os_sandbox.SandboxUnavailable, match="Reading documents is disabled on this server"):
        text_extraction._read_in_child(b"%PDF-1.4", "application/pdf", 100)


def test_development_warns_once_and_runs_without_bwrap(no_bwrap, settings, caplog):
    settings.SANDBOX_ALLOW_WITHOUT_BWRAP = True
    code = "def main(input, **kwargs):\n    return input[::-1]"
    with caplog.at_level(logging.WARNING, logger="apps.utils.os_sandbox"):
        assert run_user_code(code, "abc", host=DictHelperHost(), limits=LIMITS) == "cba"
        assert run_user_code(code, "abc", host=DictHelperHost(), limits=LIMITS) == "cba"
    warnings = [r for r in caplog.records if "WITHOUT the operating-system boundary" in r.getMessage()]
    assert len(warnings) == 1


def test_bwrap_exit_statuses_become_signals():
    assert os_sandbox.exit_status(128 + 24) == -24  # SIGXCPU
    assert os_sandbox.exit_status(128 + 9) == -9
    assert os_sandbox.exit_status(3) == 3


def targets_for_json(targets: dict) -> dict:
    return {key: value for key, value in targets.items() if key != "server"}
