"""A server on the system's Python (sys.base_prefix = /usr): the sandbox binds the interpreter's own
pieces, not the whole of /usr with every program and data file of the machine (ADR 0009)."""

import json
import os
import subprocess

import pytest

from apps.utils import os_sandbox

SYSTEM_PYTHON = "/usr/bin/python3"
_LAYOUT = (
    "import json, sys, sysconfig; c = sysconfig.get_config_var; print(json.dumps([sys.base_prefix, "
    "sysconfig.get_paths()['stdlib'], c('DESTSHARED'), c('LIBDIR'), c('LDLIBRARY')]))"
)
_PROBE = """
import json, os, math, _decimal, _json  # C extensions from lib-dynload
print(json.dumps({name: os.path.exists(name) for name in ("/usr/share/doc", "/usr/share/common-licenses",
      "/usr/bin/bwrap", "/usr/include", "/usr/local")}))
"""


@pytest.fixture
def system_python(monkeypatch):
    if not os.path.exists(SYSTEM_PYTHON):
        pytest.skip("no system Python here")
    output = subprocess.run([SYSTEM_PYTHON, "-I", "-S", "-c", _LAYOUT], capture_output=True, check=True, text=True)
    base_prefix, stdlib, dynload, libdir, library = json.loads(output.stdout)
    if os.path.realpath(base_prefix) != "/usr":
        pytest.skip("the system Python here is not installed in /usr")
    layout = os_sandbox.Interpreter(
        base_prefix="/usr",
        binary=os.path.realpath(SYSTEM_PYTHON),
        stdlib=(stdlib, dynload),
        libpython=os.path.join(libdir, library),
    )
    monkeypatch.setattr(os_sandbox, "interpreter", lambda: layout)
    return layout


def test_a_system_python_binds_its_own_pieces_not_all_of_usr(system_python):
    paths = os_sandbox.runtime_paths()
    assert "/usr" not in paths
    assert os.path.realpath(SYSTEM_PYTHON) in paths
    assert all(not path.startswith("/usr/share") and not path.startswith("/usr/local") for path in paths)


def test_the_child_on_a_system_python_runs_and_sees_nothing_else_of_usr(bwrap, system_python):
    command = os_sandbox.sandboxed_command([system_python.binary, "-I", "-S", "-c", _PROBE])
    completed = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "/usr/share/doc": False,
        "/usr/share/common-licenses": False,
        "/usr/bin/bwrap": False,
        "/usr/include": False,
        "/usr/local": False,
    }
