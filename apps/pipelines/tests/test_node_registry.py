"""The registry lists every node type defined in apps/pipelines/nodes."""

import importlib
import inspect
import pkgutil

import apps.pipelines.nodes
from apps.pipelines.nodes.base import NodeType
from apps.pipelines.nodes.registry import NODE_TYPES


def defined_node_types() -> set[type[NodeType]]:
    found = set()
    for module_info in pkgutil.iter_modules(apps.pipelines.nodes.__path__, "apps.pipelines.nodes."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            # A concrete type names itself; RouterNodeType and NodeType are bases.
            if issubclass(cls, NodeType) and cls.__module__ == module.__name__ and "name" in vars(cls):
                found.add(cls)
    return found


def test_every_node_type_is_registered():
    defined = defined_node_types()
    assert len(defined) == 10
    assert {type(node) for node in NODE_TYPES.values()} == defined


def test_nodes_is_a_regular_package():
    # A namespace package (no __init__.py) has no file: mypy and tools that walk packages skip or misname it.
    assert apps.pipelines.nodes.__file__ is not None
