"""The sandbox for user Python code: helpers work, every escape attempt fails with a clear error, and
the worker process keeps serving afterwards. Small limits keep the whole file fast."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import resource
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from apps.pipelines.sandbox import (
    AbortPipeline,
    CodeFailed,
    CodeMemoryExceeded,
    CodeNotAllowed,
    CodeTimeout,
    DictHelperHost,
    InvalidCode,
    OutputTooLarge,
    SandboxLimits,
    check_code,
    run_user_code,
)
from apps.pipelines.sandbox.runner import CHILD_SCRIPT, INTERPRETER_FLAGS, child_os_config
from apps.service_providers import http as provider_http
from apps.service_providers.tests.fake_http import FakeResponse, FakeServer
from apps.utils.seccomp import denied_syscalls
from apps.utils.seccomp_fallback import hand_built_filter

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=2, memory_mb=128)


def run(code: str, input: str = "hi", host: DictHelperHost | None = None, limits: SandboxLimits = LIMITS) -> str:
    return run_user_code(textwrap.dedent(code), input, host=host or DictHelperHost(), limits=limits)


def assert_still_serving() -> None:
    assert run("def main(input, **kwargs):\n    return input[::-1]", "abc") == "cba"


def test_every_helper_reaches_the_host():
    host = DictHelperHost(
        participant_data={"name": "Ada", "visits": 1},
        session_state={"step": 2},
        temp_state={"draft": "x"},
        node_outputs={"summary": "short"},
        routes={"triage": "urgent"},
    )
    code = """
    import json

    def main(input, **kwargs):
        data = get_participant_data()
        set_participant_data_key("visits", data["visits"] + 1)
        set_session_state_key("step", get_session_state_key("step") + 1)
        set_temp_state_key("seen", True)
        add_message_tag("greeted")
        add_session_tag("vip")
        end_session()
        print("debug", data["name"])
        return json.dumps([
            input.upper(), get_session_state(), get_temp_state(), get_temp_state_key("draft"),
            get_selected_route("triage"), get_node_output("summary"), get_node_output("missing"),
        ])
    """
    result = json.loads(run(code, host=host))
    assert result == ["HI", {"step": 3}, {"draft": "x", "seen": True}, "x", "urgent", "short", None]
    assert host.participant_data == {"name": "Ada", "visits": 2}
    assert host.temp_state["seen"] is True
    assert (host.message_tags, host.session_tags, host.session_ended) == (["greeted"], ["vip"], True)
    assert host.logs == ["debug Ada\n"]

    run("def main(input, **kwargs):\n    set_participant_data({'fresh': 1})", host=host)
    assert host.participant_data == {"fresh": 1}


@pytest.mark.parametrize(("returned", "expected"), [("None", ""), ("42", "42"), ("[1, 'a']", "[1, 'a']")])
def test_return_value_becomes_a_string(returned, expected):
    assert run(f"def main(input, **kwargs):\n    return {returned}") == expected


def test_allowed_modules_work():
    code = """
    import datetime, re, statistics, string
    from collections import Counter, abc

    def main(input, **kwargs):
        day = datetime.datetime.strptime("2024-01-02", "%Y-%m-%d").strftime("%A")
        return "|".join([
            day, re.sub(r"\\d", "#", "a1"), str(statistics.mean([1, 2])), Counter("aab").most_common(1)[0][0],
            "{:>3}{x}".format(1, x="!"), string.Template("$v").substitute(v="t"), "é".encode("latin-1").hex(),
            str(isinstance({}, abc.Mapping)),
        ])
    """
    assert run(code) == "Tuesday|a#|1.5|a|  1!|t|e9|True"


def test_a_helper_refusal_is_catchable_and_bad_arguments_are_type_errors():
    code = """
    def main(input, **kwargs):
        try:
            http_get("https://example.org/")
        except HelperError as error:
            refused = str(error)
        try:
            set_temp_state_key("k", object())
        except TypeError:
            refused += " | not json"
        try:
            get_temp_state_key()
        except TypeError as error:
            refused += " | " + str(error)
        return refused
    """
    assert run(code) == (
        "HTTP requests are not enabled for this code (no allowed hosts) | not json"
        " | get_temp_state_key(): missing a required argument: 'key'"
    )


def test_an_exception_reports_the_users_line_only():
    code = "def main(input, **kwargs):\n    x = 1\n    return x / 0\n"
    with pytest.raises(CodeFailed) as caught:
        run(code)
    assert str(caught.value) == "Line 3: ZeroDivisionError: division by zero"
    assert caught.value.line == 3


def test_abort_with_message_stops_the_pipeline_even_if_the_code_catches_it():
    code = """
    def main(input, **kwargs):
        try:
            abort_with_message("Please call the clinic")
        except BaseException:
            pass
        return "kept going"
    """
    with pytest.raises(AbortPipeline) as caught:
        run(code)
    assert caught.value.message == "Please call the clinic"


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("def main(input, **kwargs)\n    pass", InvalidCode, "Line 1: SyntaxError: expected ':'"),
        ("def helper(input, **kwargs):\n    pass", InvalidCode, "must define a function main(input, **kwargs)"),
        ("def main(input):\n    pass", InvalidCode, "must define a function main(input, **kwargs)"),
        ("async def main(input, **kwargs):\n    pass", InvalidCode, "not async def"),
        ("def main(input, **kwargs):\n    return 'x' * 2_000_000", OutputTooLarge, "more than 1 MB"),
    ],
)
def test_invalid_code_and_oversized_output(code, error, message):
    with pytest.raises(error) as caught:
        run(code)
    assert message in str(caught.value)


ESCAPES = {
    "import os": ("import os\ndef main(input, **kwargs):\n    return os.getcwd()", "Importing 'os' is not allowed"),
    "from os import": ("from os import environ\ndef main(input, **kwargs):\n    pass", "Importing 'os' is not allowed"),
    "__import__": ("def main(input, **kwargs):\n    return __import__('os')", "Access to '__import__' is not allowed"),
    "subclasses walk": (
        "def main(input, **kwargs):\n    return ().__class__.__bases__[0].__subclasses__()",
        "Access to '__subclasses__' is not allowed",
    ),
    "getattr dunder built at run time": (
        "def main(input, **kwargs):\n    return getattr(main, '__glo' + 'bals__')",
        "Access to '__globals__' is not allowed",
    ),
    "getattr dunder caught by except Exception": (
        "def main(input, **kwargs):\n    try:\n        getattr(main, '__glo' + 'bals__')\n    except Exception:\n"
        "        return 'swallowed'",
        "Access to '__globals__' is not allowed",
    ),
    "generator frame": (
        "def main(input, **kwargs):\n    g = (x for x in [1])\n    return getattr(g, 'gi_' + 'frame')",
        "Access to 'gi_frame' is not allowed",
    ),
    "frame back": ("def main(input, **kwargs):\n    return (x for x in []).gi_frame.f_back", "Access to 'f_back'"),
    "format string attribute": (
        "def main(input, **kwargs):\n    return '{0.__globals__}'.format(main)",
        "Access to '__globals__' is not allowed",
    ),
    "unbound str.format": (
        "def main(input, **kwargs):\n    f = str.format\n    return f('{0.__globals__}', main)",
        "Access to '__globals__' is not allowed",
    ),
    "format through super()": (
        "class S(str):\n    def format(self, *a):\n        return super().format(*a)\n"
        "def main(input, **kwargs):\n    return S('{0.__globals__}').format(main)",
        "Access to '__globals__' is not allowed",
    ),
    "format_map": (
        "def main(input, **kwargs):\n    return '{m.__globals__}'.format_map({'m': main})",
        "Access to '__globals__' is not allowed",
    ),
    "match class pattern": (
        "def main(input, **kwargs):\n    match main:\n        case object(__globals__=g):\n            return g",
        "Access to '__globals__' is not allowed",
    ),
    "mro to unguarded bases": ("def main(input, **kwargs):\n    return type.mro(type)", "Access to 'mro'"),
    "open": ("def main(input, **kwargs):\n    return open('/etc/passwd').read()", "'open' is not available"),
    "write a file": ("def main(input, **kwargs):\n    open('x.txt', 'w').write('x')", "'open' is not available"),
    "exec": ("def main(input, **kwargs):\n    exec('import os')", "'exec' is not available"),
    "eval": ("def main(input, **kwargs):\n    return eval('1')", "'eval' is not available"),
    "compile": ("def main(input, **kwargs):\n    compile('1', 'f', 'eval')", "'compile' is not available"),
    "globals": ("def main(input, **kwargs):\n    return globals()", "'globals' is not available"),
    "read the environment": (
        "import sys\ndef main(input, **kwargs):\n    return sys.modules['os'].environ",
        "Importing 'sys' is not allowed",
    ),
    "fork via subprocess": (
        "import subprocess\ndef main(input, **kwargs):\n    subprocess.run(['sh', '-c', ':(){ :|:& };:'])",
        "Importing 'subprocess' is not allowed",
    ),
    "fork via multiprocessing": (
        "import multiprocessing\ndef main(input, **kwargs):\n    multiprocessing.Process().start()",
        "Importing 'multiprocessing' is not allowed",
    ),
    "socket": ("import socket\ndef main(input, **kwargs):\n    pass", "Importing 'socket' is not allowed"),
    "private name of an allowed module": (
        "from json import _default_decoder\ndef main(input, **kwargs):\n    pass",
        "Access to '_default_decoder' is not allowed",
    ),
    "relative import": ("from . import x\ndef main(input, **kwargs):\n    pass", "Relative imports are not allowed"),
    "rebinding builtins": ("__builtins__ = {}\ndef main(input, **kwargs):\n    pass", "Access to '__builtins__'"),
}


@pytest.mark.parametrize("name", ESCAPES)
def test_escape_attempts_are_refused(name):
    code, message = ESCAPES[name]
    with pytest.raises(CodeNotAllowed) as caught:
        run(code)
    assert message in str(caught.value)
    assert_still_serving()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import statistics\ndef main(input, **kwargs):\n    return statistics.sys", "has no attribute 'sys'"),
        ("import datetime\ndef main(input, **kwargs):\n    return datetime.sys", "has no attribute 'sys'"),
        ("import string\ndef main(input, **kwargs):\n    return string.Formatter", "has no attribute 'Formatter'"),
    ],
)
def test_allowed_modules_do_not_leak_dangerous_modules(code, message):
    with pytest.raises(CodeFailed, match=message):
        run(code)


def test_infinite_loop_hits_the_cpu_limit():
    # A generous wall clock: on a busy machine 1 s of CPU can take longer than the usual 2 s to use.
    limits = dataclasses.replace(LIMITS, wall_seconds=30.0)
    with pytest.raises(CodeTimeout, match="The code ran longer than 1 s"):
        run("def main(input, **kwargs):\n    while True:\n        pass", limits=limits)
    assert_still_serving()


def test_sleeping_hits_the_wall_clock_limit():
    with pytest.raises(CodeTimeout, match="The code ran longer than 2 s"):
        run("import time\ndef main(input, **kwargs):\n    time.sleep(60)")
    assert_still_serving()


@pytest.mark.parametrize(
    "body",
    [
        "return 'x' * 10**10",
        "return [0] * 10**9",
        "chunks = []\n    while True:\n        chunks.append(bytearray(10**6))",
    ],
)
def test_huge_allocations_hit_the_memory_limit(body):
    with pytest.raises(CodeMemoryExceeded, match="The code used more than 128 MB"):
        run(f"def main(input, **kwargs):\n    {body}")
    assert_still_serving()


def test_the_worker_is_unaffected_by_the_sandbox():
    limits_before = {name: resource.getrlimit(getattr(resource, name)) for name in ("RLIMIT_CPU", "RLIMIT_AS")}
    children_before = _child_processes()
    with pytest.raises(CodeTimeout):
        run("def main(input, **kwargs):\n    while True:\n        pass")
    assert {name: resource.getrlimit(getattr(resource, name)) for name in limits_before} == limits_before
    assert _child_processes() == children_before  # killed and reaped, no zombies
    assert os.environ.get("DJANGO_SETTINGS_MODULE")  # our environment is still ours


def test_oversized_helper_arguments_and_print_output_are_capped():
    with pytest.raises(OutputTooLarge, match="passed more than .* MB to a helper"):
        run("def main(input, **kwargs):\n    set_temp_state_key('k', 'x' * 8_000_000)")
    host = DictHelperHost()
    run("def main(input, **kwargs):\n    for _ in range(100):\n        print('x' * 1_000)", host=host)
    assert len(host.logs[0]) < LIMITS.max_log_bytes + 2_000
    assert host.logs[0].endswith("[output truncated]\n")


def test_host_values_that_json_lacks_reach_the_code_as_strings():
    class DatedHost(DictHelperHost):
        def get_participant_data(self):
            return {"joined": datetime.date(2024, 5, 1)}

    assert run("def main(input, **kwargs):\n    return get_participant_data()['joined']", host=DatedHost()) == (
        "2024-05-01"
    )


def test_helper_call_budget():
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=2, max_helper_calls=5)
    code = "def main(input, **kwargs):\n    for _ in range(10):\n        get_temp_state()"
    with pytest.raises(CodeFailed, match="HelperError: The code called helpers more than 5 times"):
        run(code, limits=limits)


def test_check_code_lists_every_problem_with_lines():
    code = "import os\ndef main(input):\n    return open('f').read() + x.__class__.__name__\n"
    assert check_code(code) == [
        "Line 1: Importing 'os' is not allowed",
        "Line 3: 'open' is not available",
        "Line 3: Access to '__class__' is not allowed",
        "The code must define a function main(input, **kwargs)",
    ]
    assert check_code("def main(input, **kwargs):\n    open = 1\n    return type(open).__name__") == []
    assert check_code("def main(input, **kwargs)") == ["Line 1: SyntaxError: expected ':'"]


# The OS layers on their own: code that got past the Python layer (here: trusted probe code run right
# after the child's own lock-down) still cannot fork, connect, exec, write or read the worker's secrets.
# Each layer is also checked with another one switched off, to show that it holds by itself.
OS_PROBE = """
import encodings.idna, importlib.util, json, os, socket, sys
spec = importlib.util.spec_from_file_location("sandbox_child", sys.argv[1])
child = importlib.util.module_from_spec(spec)
spec.loader.exec_module(child)
layers = child._lock_down(json.loads(sys.argv[2]))
results = {}

def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except (OSError, MemoryError) as error:
        results[name] = type(error).__name__

def fork():
    if os.fork() == 0:
        os._exit(0)

def write():
    with open("probe.txt", "w") as f:
        f.write("x" * 100)

attempt("fork", fork)
attempt("connect", lambda: socket.socket().connect(("127.0.0.1", int(sys.argv[3]))))
attempt("write", write)
attempt("parent_environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
attempt("signal_parent", lambda: os.kill(os.getppid(), 0))
attempt("allocate_200_mb", lambda: bytearray(200 * 1024 * 1024))
print(json.dumps({"layers": layers, "results": results, "environ": sorted(os.environ)}), flush=True)
attempt("exec", lambda: os.execv("/bin/sh", ["sh", "-c", "true"]))  # on success nothing more is printed
print(json.dumps(results["exec"]))
"""


@pytest.mark.parametrize("switched_off", [None, "seccomp", "run_as", "libseccomp"])
def test_os_layers_hold_without_the_python_layer(tmp_path, switched_off):
    config = child_os_config(LIMITS)
    if switched_off == "libseccomp":  # the hand-made filter that stands in where libseccomp is absent
        fallback = hand_built_filter(denied_syscalls())
        config["seccomp"] = fallback.hex() if fallback else None
    elif switched_off:
        config[switched_off] = None
    server = FakeServer().start()
    try:
        completed = subprocess.run(
            [sys.executable, *INTERPRETER_FLAGS, "-c", OS_PROBE, str(CHILD_SCRIPT), json.dumps(config)]
            + [str(urlsplit(server.url).port)],
            capture_output=True,
            env={},
            cwd=tmp_path,
            timeout=10,
            check=True,
        )
    finally:
        server.stop()
    lines = completed.stdout.decode().splitlines()
    report = json.loads(lines[0])
    results, layers = report["results"], report["layers"]
    results["exec"] = json.loads(lines[1]) if len(lines) > 1 else "allowed"
    seccomp, unprivileged = "seccomp" in layers, "unprivileged-uid" in layers or os.geteuid() != 0
    assert {"rlimits", "no-new-privs"} <= set(layers)
    assert seccomp == (switched_off != "seccomp" and config["seccomp"] is not None)
    blocked = {
        "write": True,  # RLIMIT_FSIZE=0 (and, as nobody, a directory it cannot enter)
        "allocate_200_mb": True,  # RLIMIT_AS
        "fork": seccomp or unprivileged,  # RLIMIT_NPROC=0 binds every uid but root
        "connect": seccomp or "network-namespace" in layers,
        "exec": seccomp,
        "signal_parent": seccomp or "unprivileged-uid" in layers,
        "parent_environ": "unprivileged-uid" in layers,
    }
    for action, expected in blocked.items():
        if expected:
            assert results[action] != "allowed", (action, report)
    assert set(report["environ"]) <= {"LC_CTYPE"}  # CPython's locale coercion adds this one
    written = tmp_path / "probe.txt"
    assert not written.exists() or written.stat().st_size == 0


@pytest.fixture
def http_server():
    server = FakeServer().start()
    yield server
    server.stop()


HTTP_CODE = """
def main(input, **kwargs):
    response = http_post(input + "/echo", json={"q": 1}, headers={"X-Test": "yes"})
    listing = http_get(input + "/items", params={"page": 2})
    return f"{response['status']} {response['json']['ok']} {listing['text']}"
"""


def test_http_to_an_allowed_host(http_server, settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    http_server.route("POST", "/echo", FakeResponse(201, {"ok": True}))
    http_server.route("GET", "/items", FakeResponse(200, b"plain text"))
    host = local_host()
    assert run(HTTP_CODE, http_server.url, host=host) == "201 True plain text"
    posted = http_server.requests_to("/echo")[0]
    assert posted.json() == {"q": 1}
    assert posted.headers["x-test"] == "yes"
    assert http_server.requests_to("/items")[0].query == {"page": ["2"]}


def test_http_mistakes_are_helper_errors_not_worker_crashes(http_server, settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    http_server.route("GET", "/slow", FakeResponse(200, b"late", delay=1.5))
    host = local_host()
    code = """
    def main(input, **kwargs):
        errors = []
        for call in (
            lambda: http_get(input + "/x", headers={"X-Number": 1}),
            lambda: http_get(input + "/slow", timeout=0.3),
            lambda: http_get("http://[::1"),
            lambda: http_get(input + "/x", timeout="soon"),
        ):
            try:
                call()
            except (HelperError, TypeError) as error:
                errors.append(type(error).__name__ + ": " + str(error))
        return "\\n".join(errors)
    """
    errors = run(code, http_server.url, host=host).splitlines()
    assert errors[0].startswith(f"HelperError: The request to {http_server.url}/x is invalid: ")
    assert errors[1] == f"HelperError: The request to {http_server.url}/slow timed out"
    assert errors[2] == "HelperError: 'http://[::1' is not a valid URL"
    assert errors[3] == "TypeError: http_get(): timeout must be a number of seconds"


def test_http_to_a_host_off_the_allow_list_is_refused(http_server, settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    host = DictHelperHost(http_allowed_hosts=("api.example.org",))
    with pytest.raises(CodeFailed, match="HelperError: Host '127.0.0.1' is not on the list of allowed hosts"):
        run(HTTP_CODE, http_server.url, host=host)
    assert http_server.requests == []


def test_http_to_a_private_address_is_refused_in_production(http_server, settings):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    host = local_host()
    with pytest.raises(CodeFailed, match="resolves to a private address"):
        run(HTTP_CODE, http_server.url, host=host)
    assert http_server.requests == []


def test_code_nodes_cannot_reach_this_machine_even_in_development(http_server, settings):
    # In development the platform itself listens on localhost; private addresses stay allowed there.
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = True
    port = urlsplit(http_server.url).port
    host = DictHelperHost(
        http_allowed_hosts=("127.0.0.1", "localhost", "0.0.0.0", "::ffff:127.0.0.1", "169.254.169.254")
    )
    code = """
    def main(input, **kwargs):
        errors = []
        for url in input.split():
            try:
                http_get(url)
            except HelperError as error:
                errors.append(str(error))
        return "\\n".join(errors)
    """
    urls = [f"http://{name}:{port}/" for name in ("127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]")]
    urls.append("http://169.254.169.254/latest/meta-data/")
    errors = run(code, " ".join(urls), host=host).splitlines()
    assert len(errors) == 5
    assert all("resolves to this machine" in error for error in errors), errors
    assert http_server.requests == []


def test_http_connects_to_the_address_it_checked(http_server, settings, monkeypatch):
    # DNS rebinding: the first answer passes the check, later ones point elsewhere (here: a loopback
    # address where nothing listens). The request must go to the checked address, once resolved.
    # Production rules, with the fake server's address counting as public.
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(provider_http, "is_public_address", lambda address: address == "127.0.0.1")
    http_server.route("GET", "/items", FakeResponse(200, b"from the checked address"))
    port = urlsplit(http_server.url).port
    real_getaddrinfo, answers = socket.getaddrinfo, iter(["127.0.0.1"])

    def rebinding_dns(name, *args, **kwargs):
        if name != "rebind.example":
            return real_getaddrinfo(name, *args, **kwargs)
        return real_getaddrinfo(next(answers, "127.0.0.9"), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    host = local_host(allowed=("rebind.example",))
    code = "def main(input, **kwargs):\n    return http_get(input)['text']"
    assert run(code, f"http://rebind.example:{port}/items", host=host) == "from the checked address"
    assert http_server.requests_to("/items")[0].headers["host"] == f"rebind.example:{port}"


def local_host(allowed: tuple[str, ...] = ("127.0.0.1",)) -> DictHelperHost:
    """A host whose code may call this machine: only for the fake servers of these tests."""
    host = DictHelperHost(http_allowed_hosts=allowed)
    host.http_allow_local = True
    return host


def _child_processes() -> set[str]:
    children: set[str] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children.update((task / "children").read_text().split())
    return children
