"""The sandbox process. The runner starts it as `python -I -S -B -X utf8 child.py` with an empty
environment, no inherited descriptors beyond the three pipes, and an empty private working directory.

Standard library only, and nothing from this package: `-I -S` keeps the project and site-packages off
sys.path. The first frame on stdin says what to run (the policy, the compiled code, the input, the
limits); then, in this order, the child
1. pre-imports the modules the code imports (before privileges are dropped it can still read them),
2. locks itself down: rlimits, no-new-privs, seccomp filter; without bubblewrap around it (the runner
   says so) also a network namespace and uid "nobody" when started as root,
3. runs the code in a namespace with guarded builtins, answering helper calls through the parent,
4. writes one result or error line to the parent and exits without running any finaliser.
Everything after step 2 is treated by the parent as untrusted.

The parent writes length-prefixed marshal frames (it is trusted; marshal needs no import); the child
writes JSON lines, which the parent can parse safely. The child encodes JSON itself and avoids the
`json`, `re`, `enum` and `signal` modules: importing them would cost a third of a run's start-up.
"""

import _json
import _signal
import _string
import builtins
import ctypes
import importlib
import marshal
import os
import resource
import sys
import warnings

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_MEMORY_RESERVE_BYTES = 1 << 20  # freed on MemoryError so the error report itself can be written
_MAX_MESSAGE_CHARS = 2_000
# Imported lazily by the stdlib at call time; pre-imported because after the uid drop the stdlib
# directory may no longer be readable.
_LAZY_IMPORTS = {
    "collections": ("heapq", "copy"),
    "datetime": ("_strptime",),
    "re": ("unicodedata",),
    "statistics": ("decimal", "fractions"),
    "time": ("_strptime",),
    "zoneinfo": ("importlib.resources",),
}
# Codecs load lazily too (str.encode("latin-1")); only needed when the uid drop will hide the stdlib.
_ENCODINGS = tuple(
    f"encodings.{name}"
    for name in ("latin_1", "ascii", "cp1252", "iso8859_15", "utf_8_sig", "utf_16", "utf_16_le", "utf_16_be", "utf_32")
)
# C code (datetime.strptime) imports these through the builtins of the calling frame, which is ours;
# CPython then takes the module from sys.modules and ignores what __import__ returned.
_INTERNAL_IMPORTS = frozenset({"_strptime"})
_ModuleType = type(sys)
_BuiltinMethodType: type = type([].append)
_MAX_JSON_DEPTH = 100


class SandboxViolation(BaseException):
    """The code reached for something forbidden. A BaseException so `except Exception` in user code does
    not hide the refusal."""


class HelperError(Exception):
    """A helper call was refused or failed (shown to user code under this name)."""


class _Protocol:
    def __init__(self) -> None:
        self._in = sys.stdin.buffer
        # A private copy of stdout for the protocol; fd 1 itself goes to /dev/null so nothing else
        # written there can corrupt the stream.
        self._out = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def send(self, message: dict) -> None:
        self._out.write(_to_json(message).encode() + b"\n")
        self._out.flush()

    def receive(self) -> dict:
        header = self._in.read(4)
        if len(header) < 4:
            os._exit(3)  # the parent is gone
        return marshal.loads(self._in.read(int.from_bytes(header, "big")))

    def call(self, name: str, args: tuple, kwargs: dict):
        try:
            request = _to_json({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})
        except (TypeError, ValueError, RecursionError) as error:
            message = f"{name}(): arguments must be JSON values (dict, list, str, number, bool, None): {error}"
            raise TypeError(message) from None
        self._out.write(request.encode() + b"\n")
        self._out.flush()
        reply = self.receive()
        if "ok" in reply:
            return reply["ok"]
        failure = reply.get("error") or {}
        kind = {"TypeError": TypeError, "ValueError": ValueError}.get(str(failure.get("type")), HelperError)
        raise kind(failure.get("message", "the helper failed"))


def _preimport(names, dropping_privileges: bool) -> None:
    warnings.simplefilter("ignore")  # showing a warning imports linecache & co. lazily, and nobody reads them
    for name in [*names, *(_ENCODINGS if dropping_privileges else ())]:
        for module in (name, *_LAZY_IMPORTS.get(name, ())):
            try:  # noqa: SIM105 - contextlib would add 3 ms to every start
                importlib.import_module(module)
            except ImportError:
                pass  # reported by the guarded import, if the code gets that far


def _lock_down(config: dict) -> list:
    """Apply the OS-level layers; returns the names of those that took effect (the parent logs them).

    Each layer is best effort, so the sandbox still runs where one is unavailable (macOS for a developer,
    a container without CAP_SETUID); the wall-clock limit and the Python layer hold everywhere."""
    applied = []
    libc: ctypes.CDLL | None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare, libc.prctl  # noqa: B018 - both exist on Linux only
    except (OSError, AttributeError):
        libc = None
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails (EFBIG), no kill
    started_as_root = os.geteuid() == 0
    # Root may create a network namespace directly; anyone else needs a user namespace for it, which
    # hardened hosts often forbid; then the seccomp filter alone keeps sockets out.
    # Under bwrap the network namespace is bwrap's, and nested namespaces are disabled there.
    attempts = (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET) if started_as_root else (_CLONE_NEWUSER | _CLONE_NEWNET,)
    for flags in attempts if config.get("unshare_network", True) else ():
        if libc and libc.unshare(ctypes.c_int(flags)) == 0:
            applied.append("network-namespace")
            break
    limits = [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_FSIZE, 0, 0),
        (resource.RLIMIT_NPROC, 0, 0),
        (resource.RLIMIT_NOFILE, config["max_open_files"], config["max_open_files"]),
        (resource.RLIMIT_AS, config["memory_bytes"], config["memory_bytes"]),
        # The soft limit sends SIGXCPU, whose default action ends the process; the hard one (SIGKILL)
        # is the backstop should SIGXCPU be blocked in the signal mask inherited from the worker.
        (resource.RLIMIT_CPU, config["cpu_seconds"], config["cpu_seconds"] + 1),
    ]
    failed = []
    for limit, soft, hard in limits:
        try:
            resource.setrlimit(limit, (soft, hard))
        except (ValueError, OSError):
            failed.append(limit)
    applied.append("rlimits" if not failed else f"rlimits-partial:{failed}")
    if started_as_root and config.get("run_as"):
        uid, gid = config["run_as"]
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            applied.append("unprivileged-uid")
        except (OSError, AttributeError):
            pass
    zero = ctypes.c_ulong(0)
    # Whatever else fails: an exec'd setuid binary must not hand privileges back.
    if libc and libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero) == 0:
        applied.append("no-new-privs")
    if libc and config.get("seccomp") and "no-new-privs" in applied:
        program = bytes.fromhex(config["seccomp"])
        buffer = ctypes.create_string_buffer(program, len(program))

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        if libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(fprog), zero, zero) == 0:
            applied.append("seccomp")
    return applied


class _Namespace:
    """The builtins user code sees, with the guards that enforce the policy at run time."""

    def __init__(self, policy: dict, protocol: _Protocol, helper_names, max_log_chars: int) -> None:
        self.allowed_modules = frozenset(policy["allowed_modules"])
        self.removed_attributes = {
            name: frozenset(attrs) for name, attrs in policy["removed_module_attributes"].items()
        }
        self.allowed_dunders = frozenset(policy["allowed_dunder_attributes"])
        self.blocked_attributes = frozenset(policy["blocked_attributes"])
        self.proxies: dict = {}
        self.logs: list = []
        self.log_chars = 0
        self.max_log_chars = max_log_chars

        names = dict(vars(builtins))
        table = {name: names[name] for name in policy["safe_builtins"]}
        table.update(
            {
                name: value
                for name, value in names.items()
                if isinstance(value, type) and issubclass(value, BaseException)
            }
        )
        for name in policy["unavailable_builtins"]:
            table[name] = _unavailable(name)
        table.update(
            getattr=self.getattr,
            hasattr=self.hasattr,
            setattr=self.setattr,
            delattr=self.delattr,
            print=self.print,
            __import__=self.import_module,
            HelperError=HelperError,
        )
        table[policy["format_guard_name"]] = self.format_attribute
        for name in helper_names:
            table[name] = _helper(name, protocol)
        self.builtins = table

    def check_attribute(self, name) -> str:
        """The name as a plain str, if it may be used. A str subclass from user code could override
        startswith, __eq__ or __hash__ and so lie to these checks (and to the lookup): every check
        and the lookup itself use a plain copy made with str's own method."""
        if not isinstance(name, str):
            raise TypeError("attribute name must be a string")
        name = str.__str__(name)  # for a subclass: a new exact str with the same characters
        dunder = len(name) > 4 and str.startswith(name, "__") and str.endswith(name, "__")
        if (dunder and name not in self.allowed_dunders) or name in self.blocked_attributes:
            raise SandboxViolation(f"Access to '{name}' is not allowed")
        return name

    def getattr(self, obj, name, *default):
        return self.guard_format(getattr(obj, self.check_attribute(name), *default))

    def hasattr(self, obj, name) -> bool:
        return hasattr(obj, self.check_attribute(name))

    def setattr(self, obj, name, value) -> None:
        setattr(obj, self.check_attribute(name), value)

    def delattr(self, obj, name) -> None:
        delattr(obj, self.check_attribute(name))

    def format_attribute(self, obj, name):
        return self.guard_format(getattr(obj, name))

    def guard_format(self, value):
        """str.format resolves `{0.__class__}` in C, past every other guard: hand out versions that check
        the template first."""
        if value is str.format:
            return self.format
        if value is str.format_map:
            return self.format_map
        if type(value) is _BuiltinMethodType and isinstance(getattr(value, "__self__", None), str):
            template = value.__self__
            if value.__name__ == "format":
                return lambda *args, **kwargs: self.format(template, *args, **kwargs)
            if value.__name__ == "format_map":
                return lambda mapping: self.format_map(template, mapping)
        return value

    def format(self, template, /, *args, **kwargs):
        self.check_template(_as_str(template))
        return str.format(template, *args, **kwargs)

    def format_map(self, template, mapping, /):
        self.check_template(_as_str(template))
        return str.format_map(template, mapping)

    def check_template(self, template: str, depth: int = 0) -> None:
        # The same parser str.format uses; a malformed template is left for str.format to reject.
        try:
            for _, field, spec, _ in _string.formatter_parser(template):
                if field:
                    for is_attribute, key in _string.formatter_field_name_split(field)[1]:
                        if is_attribute:
                            self.check_attribute(key)
                if spec and depth < 3:  # str.format itself stops nesting at 2
                    self.check_template(spec, depth + 1)
        except ValueError:
            pass

    def import_module(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            raise SandboxViolation("Relative imports are not allowed")
        if name in _INTERNAL_IMPORTS and name in sys.modules:
            return None
        if name not in self.allowed_modules:
            raise SandboxViolation(f"Importing '{name}' is not allowed")
        module = sys.modules.get(name) or importlib.import_module(name)
        if not fromlist:
            return self.proxy(sys.modules[name.partition(".")[0]])
        proxy = self.proxy(module)
        for item in fromlist:  # `from collections import abc` imports the submodule, as Python does
            submodule = f"{name}.{item}"
            if submodule in self.allowed_modules and not hasattr(proxy, item):
                setattr(proxy, item, self.proxy(importlib.import_module(submodule)))
        return proxy

    def proxy(self, module):
        """A copy of an allowed module with only its public, non-module attributes (allowed submodules
        become proxies too): `statistics.sys` must not exist."""
        name = module.__name__
        if name in self.proxies:
            return self.proxies[name]
        copy = _ModuleType(name, module.__doc__)
        self.proxies[name] = copy
        removed = self.removed_attributes.get(name, frozenset())
        for key, value in list(vars(module).items()):
            if key.startswith("_") or key in removed:
                continue
            if isinstance(value, _ModuleType):
                if value.__name__ in self.allowed_modules:
                    setattr(copy, key, self.proxy(value))
                continue
            setattr(copy, key, value)
        return copy

    def print(self, *args, sep=" ", end="\n", file=None, flush=False) -> None:
        if self.log_chars > self.max_log_chars:
            return
        text = (" " if sep is None else str(sep)).join(str(arg) for arg in args) + ("\n" if end is None else str(end))
        self.logs.append(text)
        self.log_chars += len(text)
        if self.log_chars > self.max_log_chars:
            self.logs.append("\n[output truncated]\n")


def _as_str(value):
    if not isinstance(value, str):
        raise TypeError("format() needs a str")
    return value


def _unavailable(name: str):
    def stub(*args, **kwargs):
        raise SandboxViolation(f"'{name}' is not available")

    stub.__name__ = stub.__qualname__ = name
    return stub


def _helper(name: str, protocol: _Protocol):
    def helper(*args, **kwargs):
        return protocol.call(name, args, kwargs)

    helper.__name__ = helper.__qualname__ = name
    return helper


def _to_json(value, depth: int = 0) -> str:
    """JSON for the parent, like json.dumps(allow_nan=False) with ASCII escapes (so lone surrogates
    travel safely); user containers are read with the base types' methods."""
    if depth > _MAX_JSON_DEPTH:
        raise ValueError("the value is nested too deeply (or refers to itself)")
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return _json.encode_basestring_ascii(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinity are not valid JSON")
        return float.__repr__(value)
    if isinstance(value, list | tuple):
        items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        return "[" + ",".join(_to_json(item, depth + 1) for item in items) + "]"
    if isinstance(value, dict):
        parts = []
        for key, item in dict.items(value):
            if not isinstance(key, str):
                if not (key is None or isinstance(key, int | float)):
                    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
                key = _to_json(key).strip('"')
            parts.append(_json.encode_basestring_ascii(key) + ":" + _to_json(item, depth + 1))
        return "{" + ",".join(parts) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _user_line(error: BaseException, filename: str):
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _describe(error: BaseException) -> str:
    try:
        detail = str(error)
    except BaseException:  # a user exception whose __str__ fails
        detail = ""
    text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return text[:_MAX_MESSAGE_CHARS]


def _run(request: dict, namespace: _Namespace) -> dict:
    # "unrestricted" (tests only): the real builtins, to show the OS layers hold without this one.
    table = dict(vars(builtins)) if request.get("unrestricted") else namespace.builtins
    user_globals = {"__builtins__": table, "__name__": "usercode"}
    exec(marshal.loads(request["code"]), user_globals)
    main = user_globals.get("main")
    if not callable(main):
        return {"op": "error", "kind": "invalid", "message": "The code must define a function main(input, **kwargs)"}
    result = main(request["input"])
    text = "" if result is None else str(result)
    text = str.__str__(text)  # a plain str: a subclass could override encode() and hide its size
    size = len(str.encode(text, "utf-8", "replace"))
    if size > request["max_output_bytes"]:
        return {"op": "error", "kind": "output", "message": f"main() returned {size:,} bytes", "size": size}
    return {"op": "result", "value": text}


def main() -> None:
    protocol = _Protocol()
    request = protocol.receive()
    _preimport(request["imports"], dropping_privileges=bool(request["os"].get("run_as")))
    layers = _lock_down(request["os"])
    policy = request["policy"]
    namespace = _Namespace(policy, protocol, request["helpers"], request["max_log_bytes"])
    reserve = bytearray(_MEMORY_RESERVE_BYTES)
    try:
        message = _run(request, namespace)
    except MemoryError:
        del reserve
        message = {"op": "error", "kind": "memory", "message": "MemoryError"}
    except SandboxViolation as error:
        line = _user_line(error, policy["code_filename"])
        message = {"op": "error", "kind": "not_allowed", "message": str(error)[:_MAX_MESSAGE_CHARS], "line": line}
    except BaseException as error:  # everything the user's code can raise, SystemExit included
        line = _user_line(error, policy["code_filename"])
        message = {"op": "error", "kind": "failed", "message": _describe(error), "line": line}
    message["logs"] = "".join(namespace.logs)
    message["layers"] = layers
    protocol.send(message)
    os._exit(0)  # no atexit handlers or __del__ methods from user objects


if __name__ == "__main__":
    main()
