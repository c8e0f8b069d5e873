"""What every node type provides. One module per type, listed in nodes.registry.

A node type declares its parameters as a pydantic model: its JSON schema (plus `ui` hints) is what the
builder renders, validation uses it, and `params_version` with `migrations` upgrades parameters saved
by older versions when they are loaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from apps.pipelines.graph import INPUT_HANDLE, OUTPUT_HANDLE

if TYPE_CHECKING:
    from apps.pipelines.runtime.context import NodeContext
    from apps.pipelines.validation import ValidationContext


class NodeParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


@dataclass
class NodeResult:
    """What a node hands on: its output text, and for routers the output handle it chose."""

    output: str
    route: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class NodeError(Exception):
    """A node failed in a way the user can act on; the message names the cause."""


class NodeType:
    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    Params: ClassVar[type[NodeParams]] = NodeParams
    params_version: ClassVar[int] = 1
    # Upgrades from a saved version to the next one: {1: fn(params_v1) -> params_v2, ...}
    migrations: ClassVar[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}
    has_input: ClassVar[bool] = True
    # Hints for the builder, per parameter: {"prompt": {"widget": "prompt"}, ...}
    ui: ClassVar[dict[str, dict[str, Any]]] = {}
    # How many times a failing run of this node is retried (transient provider errors only).
    max_attempts: ClassVar[int] = 1

    def input_handles(self) -> list[str]:
        return [INPUT_HANDLE] if self.has_input else []

    def output_handles(self, params: Any) -> list[str]:
        return [OUTPUT_HANDLE]

    def is_router(self) -> bool:
        return False

    def outputs_schema(self) -> dict[str, Any]:
        """The output handles as the builder draws them, before any parameters are known: a fixed
        list, or for routers one handle per entry of a list parameter (see routing.RouterNodeType)."""
        return {"handles": [OUTPUT_HANDLE]}

    def upgrade_params(self, params: dict[str, Any], version: int) -> dict[str, Any]:
        while version < self.params_version:
            migrate = self.migrations.get(version)
            if migrate is None:
                raise ValueError(f"No migration for {self.name} parameters from version {version}")
            params = migrate(dict(params))
            version += 1
        return params

    def parse_params(self, params: dict[str, Any], version: int | None = None) -> Any:
        """Validated parameters (raises pydantic.ValidationError)."""
        return self.Params.model_validate(self.upgrade_params(params, version or self.params_version))

    def check(self, params: Any, context: ValidationContext) -> list[tuple[str | None, str]]:
        """Checks beyond the parameter model (known prompt variables, existing providers):
        (field or None, message) pairs."""
        return []

    def run(self, params: Any, context: NodeContext) -> NodeResult:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "params_version": self.params_version,
            "has_input": self.has_input,
            "router": self.is_router(),
            "outputs": self.outputs_schema(),
            "schema": self.Params.model_json_schema(),
            "ui": self.ui,
        }


def params_errors(error: ValidationError) -> list[tuple[str | None, str]]:
    return [(".".join(str(part) for part in issue["loc"]) or None, issue["msg"]) for issue in error.errors()]
