"""Static checks on user code, and its compilation for the child.

The pipeline validator calls `check_code` on save; the runner calls `compile_user_code` before every
run, so forbidden code fails fast with a line number and no process is started. The checks are a
convenience and a first layer only: the child enforces the same rules at run time (names built at run
time, `getattr(x, name)`), and the process limits hold even if both were bypassed.
"""

from __future__ import annotations

import ast
import functools
import marshal
from typing import NamedTuple

from apps.pipelines.sandbox.errors import CodeNotAllowed, InvalidCode, SandboxError
from apps.pipelines.sandbox.policy import (
    ALLOWED_DUNDER_NAMES,
    ALLOWED_MODULES,
    CODE_FILENAME,
    FORMAT_ATTRIBUTES,
    FORMAT_GUARD_NAME,
    UNAVAILABLE_BUILTINS,
    attribute_blocked,
    is_dunder,
)

MAX_CODE_CHARS = 100_000
MAIN_SIGNATURE_MESSAGE = "The code must define a function main(input, **kwargs)"
_NAME_GUARDED_BUILTINS = frozenset({"getattr", "hasattr", "setattr", "delattr"})


def check_code(code: str) -> list[str]:
    """Every problem found in the code, as sentences for the user ("Line 2: Importing 'os' is not
    allowed"); empty when the code can run."""
    try:
        tree = _parse(code)
        problems = _policy_problems(tree)
    except SandboxError as error:
        return [str(error)]
    main_problem = _main_problem(tree)
    return [str(problem) for problem in problems] + ([main_problem] if main_problem else [])


class CompiledCode(NamedTuple):
    code: bytes  # marshal of the code object: the child runs the same interpreter binary
    imports: tuple[str, ...]  # modules the child pre-imports before it drops privileges


@functools.lru_cache(maxsize=256)
def compile_user_code(code: str) -> CompiledCode:
    """The code checked, rewritten and compiled for the child.

    Raises InvalidCode or CodeNotAllowed. Cached: a pipeline runs the same code on every message."""
    tree = _parse(code)
    problems = _policy_problems(tree)
    if problems:
        raise problems[0]
    main_problem = _main_problem(tree)
    if main_problem:
        raise InvalidCode(main_problem)
    tree = ast.fix_missing_locations(_FormatRewriter().visit(tree))
    try:
        compiled = compile(tree, CODE_FILENAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise InvalidCode(f"The code cannot be compiled: {error}") from None
    return CompiledCode(marshal.dumps(compiled), tuple(sorted(_imported_modules(tree))))


def _imported_modules(tree: ast.Module) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            # `from collections import abc` names a submodule.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules & set(ALLOWED_MODULES)


def _parse(code: str) -> ast.Module:
    if len(code) > MAX_CODE_CHARS:
        raise InvalidCode(f"The code is longer than {MAX_CODE_CHARS:,} characters")
    try:
        return ast.parse(code, filename=CODE_FILENAME)
    except SyntaxError as error:
        raise InvalidCode(f"SyntaxError: {error.msg}", line=error.lineno) from None
    except ValueError as error:  # null bytes, on 3.11
        raise InvalidCode(f"SyntaxError: {error}") from None
    except (RecursionError, MemoryError):
        raise InvalidCode("The code is nested too deeply") from None


def _policy_problems(tree: ast.Module) -> list[CodeNotAllowed]:
    visitor = _PolicyVisitor(_bound_names(tree))
    try:
        visitor.visit(tree)
    except RecursionError:
        raise InvalidCode("The code is nested too deeply") from None
    return sorted(visitor.problems.values(), key=lambda problem: problem.line or 0)


def _main_problem(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "main":
            return "main must be a plain function (def), not async def"
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            args = node.args
            positional = args.posonlyargs + args.args
            required_positional = len(positional) - len(args.defaults)
            required_keyword = sum(default is None for default in args.kw_defaults)
            if (not positional and args.vararg is None) or args.kwarg is None:
                return MAIN_SIGNATURE_MESSAGE
            if required_positional > 1 or required_keyword:
                return f"{MAIN_SIGNATURE_MESSAGE}: its other arguments need default values"
            return None
    return MAIN_SIGNATURE_MESSAGE


def _bound_names(tree: ast.Module) -> set[str]:
    """Names the code binds anywhere (scope-blind on purpose: `input` as main's parameter or a local
    `open = ...` must not be reported as a missing builtin)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


class _PolicyVisitor(ast.NodeVisitor):
    def __init__(self, bound_names: set[str]) -> None:
        self.bound_names = bound_names
        self.problems: dict[tuple[int | None, str], CodeNotAllowed] = {}
        self._class_depth = 0

    def flag(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", None)
        self.problems.setdefault((line, message), CodeNotAllowed(message, line=line))

    def flag_access(self, node: ast.AST, name: str) -> None:
        self.flag(node, f"Access to '{name}' is not allowed")

    def check_module(self, node: ast.AST, module: str) -> None:
        if module not in ALLOWED_MODULES:
            self.flag(node, f"Importing '{module}' is not allowed")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.check_module(node, alias.name)
            if alias.asname and is_dunder(alias.asname):
                self.flag_access(node, alias.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.flag(node, "Relative imports are not allowed")
            return
        self.check_module(node, node.module or "")
        for alias in node.names:
            # Modules on the allow-list are handed over without their private names.
            for name in (alias.name, alias.asname):
                if name and name.startswith("_"):
                    self.flag_access(node, name)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if attribute_blocked(node.attr):
            self.flag_access(node, node.attr)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if is_dunder(node.id) and not (node.id in ALLOWED_DUNDER_NAMES and isinstance(node.ctx, ast.Load)):
            self.flag_access(node, node.id)
        elif node.id in UNAVAILABLE_BUILTINS and node.id not in self.bound_names:
            self.flag(node, f"'{node.id}' is not available")

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _NAME_GUARDED_BUILTINS and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and attribute_blocked(name.value):
                self.flag_access(node, name.value)
        self.generic_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        # `case C(__class__=x)` reads the attribute like getattr does.
        for attribute in node.kwd_attrs:
            if attribute_blocked(attribute):
                self.flag_access(node, attribute)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.check_definition(node, node.name)
        self._class_depth += 1
        self.generic_visit(node)
        self._class_depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.check_definition(node, node.name)
        depth, self._class_depth = self._class_depth, 0  # a method's body is not a class body
        self.generic_visit(node)
        self._class_depth = depth

    visit_AsyncFunctionDef = visit_FunctionDef

    def check_definition(self, node: ast.AST, name: str) -> None:
        # Dunder methods are how classes work (`__init__`, `__str__`); anywhere else a dunder name
        # would shadow module machinery such as `__builtins__`.
        if is_dunder(name) and not self._class_depth:
            self.flag_access(node, name)

    def visit_arg(self, node: ast.arg) -> None:
        if is_dunder(node.arg):
            self.flag_access(node, node.arg)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        for name in node.names:
            if is_dunder(name):
                self.flag_access(node, name)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name and is_dunder(node.name):
            self.flag_access(node, node.name)
        self.generic_visit(node)


class _FormatRewriter(ast.NodeTransformer):
    """`x.format` -> `__sandbox_attr__(x, "format")`: the child returns a guarded formatter when x is a
    str (or the str type), the real attribute otherwise."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr in FORMAT_ATTRIBUTES and isinstance(node.ctx, ast.Load):
            call = ast.Call(
                func=ast.Name(id=FORMAT_GUARD_NAME, ctx=ast.Load()),
                args=[node.value, ast.Constant(value=node.attr)],
                keywords=[],
            )
            return ast.copy_location(call, node)
        return node
