"""What the routers share: named routes, one output handle per route, a default route."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from apps.pipelines.nodes.base import NodeParams, NodeResult, NodeType

ROUTE_UI = {"keywords": {"widget": "keywords"}}
ROUTE_HANDLE_PREFIX = "output_"


class RouteParams(NodeParams):
    keywords: list[str] = Field(min_length=1, title="Routes", description="One output per route")
    default_keyword_index: int = Field(0, ge=0, title="Default route", description="Taken when nothing matches")
    tag_output_message: bool = Field(False, description="Tag the reply with the route taken")

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, keywords: list[str]) -> list[str]:
        cleaned = [keyword.strip() for keyword in keywords]
        if any(not keyword for keyword in cleaned):
            raise ValueError("Routes cannot be empty")
        if len({keyword.lower() for keyword in cleaned}) != len(cleaned):
            raise ValueError("Routes must be different from each other")
        return cleaned

    @model_validator(mode="after")
    def _default_in_range(self):
        if self.default_keyword_index >= len(self.keywords):
            raise ValueError("The default route must be one of the routes")
        return self


def route_handles(params: RouteParams) -> list[str]:
    return [f"{ROUTE_HANDLE_PREFIX}{index}" for index in range(len(params.keywords))]


def handle_for(params: RouteParams, keyword: str | None) -> tuple[str, str]:
    """(output handle, keyword) for a route name; the default when it matches none."""
    lowered = (keyword or "").strip().lower()
    for index, candidate in enumerate(params.keywords):
        if candidate.lower() == lowered:
            return f"output_{index}", candidate
    index = params.default_keyword_index
    return f"output_{index}", params.keywords[index]


class RouterNodeType(NodeType):
    ui = ROUTE_UI

    def is_router(self) -> bool:
        return True

    def output_handles(self, params) -> list[str]:
        return route_handles(params)

    def outputs_schema(self):
        return {"from_field": "keywords", "prefix": ROUTE_HANDLE_PREFIX}

    def routed(self, params: RouteParams, context, keyword: str | None, output: str) -> NodeResult:
        handle, chosen = handle_for(params, keyword)
        if params.tag_output_message:
            context.changes.output_tags.append(f"{context.node.name}:{chosen}")
        context.details["route"] = chosen
        return NodeResult(output=output, route=handle, metadata={"keyword": chosen})
