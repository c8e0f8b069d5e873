"""The packages in docs/strict-mypy.txt stay under every strict flag of mypy (the list only grows)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# What `mypy --strict` turns on, as per-module options (`strict = true` is global only).
STRICT = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "check_untyped_defs": True,
    "disallow_untyped_decorators": True,
    "warn_return_any": True,
    "warn_unused_ignores": True,
    "implicit_reexport": False,
    "strict_equality": True,
    "extra_checks": True,
}


def strict_packages() -> list[str]:
    lines = (ROOT / "docs" / "strict-mypy.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def overrides() -> list[dict]:
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    for override in found:  # mypy takes either spelling
        if "no_implicit_reexport" in override:
            override.setdefault("implicit_reexport", not override["no_implicit_reexport"])
    return found


def test_every_listed_package_is_strict():
    packages = strict_packages()
    assert "apps.service_providers" in packages
    strict_modules = {
        module
        for override in overrides()
        if all(override.get(flag) == value for flag, value in STRICT.items())
        for module in override["module"]
    }
    for package in packages:
        assert {package, f"{package}.*"} <= strict_modules, package


def test_only_tests_are_let_off():
    """Lenient overrides are for tests only: a broader pattern would quietly cover a strict package."""
    lenient = [override for override in overrides() if override.get("disallow_untyped_defs") is False]
    assert lenient
    for override in lenient:
        for module in override["module"]:
            assert module.endswith((".tests", ".tests.*")), module
