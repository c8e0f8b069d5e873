"""What user code may touch. One source of truth: the static checker (checker.py) reads it, and the
runner sends it to the child process, which enforces the same rules at run time (child.py cannot
import this package: it runs in an isolated interpreter that sees only the standard library).

The rules close the known ways out of a restricted CPython namespace:
- dunder attributes (`__class__`, `__subclasses__`, `__globals__`, `__builtins__`, ...) lead from any
  object to the real builtins; frame and generator attributes (`gi_frame.f_back.f_globals`) lead to
  the child's own module, which holds the real builtins and the pipe to the parent;
- `str.format` resolves `{0.__class__}` with a C-level getattr, so the child swaps it for a guarded
  formatter;
- modules on the allow-list are handed over as copies with only public, non-module attributes, because
  several re-export `sys` (`statistics.sys`, `datetime.sys`) and `sys.modules` holds `os`.
"""

from __future__ import annotations

# Harmless stdlib modules. Deliberately absent: anything with `getattr` by name (operator.attrgetter),
# `eval` inside (typing.get_type_hints, dataclasses), file, process or network access.
ALLOWED_MODULES: tuple[str, ...] = (
    "base64",
    "collections",
    "collections.abc",
    "datetime",
    "decimal",
    "hashlib",
    "itertools",
    "json",
    "math",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "time",
    "unicodedata",
    "zoneinfo",
)

# Public names removed from allowed modules: Formatter resolves attributes by name like str.format,
# and subclasses of a guarded one could still call its unguarded base through super(); reset_tzpath
# would point ZoneInfo at arbitrary directories.
REMOVED_MODULE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "string": ("Formatter",),
    "zoneinfo": ("reset_tzpath",),
}

SAFE_BUILTINS: tuple[str, ...] = (
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "bool",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "complex",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "hash",
    "hex",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "ord",
    "pow",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "zip",
    "__build_class__",  # the compiler's hook for `class` statements; unreachable by name (dunder)
)

# Builtins replaced by stubs that raise "'open' is not available", so the message is clear instead of
# a NameError. (getattr & co. are not here: the child provides guarded versions.)
UNAVAILABLE_BUILTINS: tuple[str, ...] = (
    "open",
    "exec",
    "eval",
    "compile",
    "globals",
    "locals",
    "vars",
    "breakpoint",
    "input",
    "help",
    "exit",
    "quit",
)

# Dunder attributes that only return names or call initialisers: needed for ordinary classes
# (`super().__init__(...)`, `type(self).__name__`) and lead nowhere.
ALLOWED_DUNDER_ATTRIBUTES: frozenset[str] = frozenset({"__init__", "__name__", "__qualname__", "__doc__"})

# Non-dunder attributes that reach frames, code objects or another object's globals.
BLOCKED_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "cr_origin",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_back",
        "f_builtins",
        "f_code",
        "f_globals",
        "f_locals",
        "f_trace",
        "tb_frame",
        "tb_next",
        "co_code",
        "co_consts",
        "func_globals",
        "func_code",
        "mro",  # a guarded class's unguarded bases
    }
)

# Attribute loads rewritten into a guarded lookup (the child replaces str.format / str.format_map).
FORMAT_ATTRIBUTES: frozenset[str] = frozenset({"format", "format_map"})
FORMAT_GUARD_NAME = "__sandbox_attr__"  # a builtin of the child; user code cannot name it (dunder)

# Dunder names user code may read: `if __name__ == "__main__":` is common boilerplate (it is False here).
ALLOWED_DUNDER_NAMES: frozenset[str] = frozenset({"__name__"})

CODE_FILENAME = "<code>"  # what tracebacks in the child call the user's code; used to find their line


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def attribute_blocked(name: str) -> bool:
    return (is_dunder(name) and name not in ALLOWED_DUNDER_ATTRIBUTES) or name in BLOCKED_ATTRIBUTES


def child_policy() -> dict[str, object]:
    """The rules as JSON for the child process."""
    return {
        "allowed_modules": list(ALLOWED_MODULES),
        "removed_module_attributes": {name: list(attrs) for name, attrs in REMOVED_MODULE_ATTRIBUTES.items()},
        "safe_builtins": list(SAFE_BUILTINS),
        "unavailable_builtins": list(UNAVAILABLE_BUILTINS),
        "allowed_dunder_attributes": sorted(ALLOWED_DUNDER_ATTRIBUTES),
        "blocked_attributes": sorted(BLOCKED_ATTRIBUTES),
        "code_filename": CODE_FILENAME,
        "format_guard_name": FORMAT_GUARD_NAME,
    }
