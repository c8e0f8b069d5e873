"""The import-linter layers (pyproject.toml, ADR 0024) name every module of ours: an app is a layer as
a whole, or, split between layers, each of its modules is named, so a new module cannot slip past the
contract by being in no layer."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Not part of any layer: Django's and the tests' own modules.
OUTSIDE_LAYERS = {"__init__", "apps", "migrations", "tests", "management", "conftest"}


def layer_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    return {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}


def test_every_app_module_is_in_a_layer():
    named = layer_modules()
    missing = []
    for app in sorted(p for p in (ROOT / "apps").iterdir() if (p / "__init__.py").exists()):
        if f"apps.{app.name}" in named:
            continue
        for child in sorted(app.iterdir()):
            module = child.stem if child.suffix == ".py" else child.name
            is_module = child.suffix == ".py" or (child / "__init__.py").exists()
            if is_module and module not in OUTSIDE_LAYERS and f"apps.{app.name}.{module}" not in named:
                missing.append(f"apps.{app.name}.{module}")
    assert missing == [], f"Add these to a layer in pyproject.toml [tool.importlinter]: {missing}"


def test_the_layers_name_only_modules_that_exist():
    for name in layer_modules():
        path = ROOT / Path(*name.split("."))
        assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), name
