from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from apps.pipelines.nodes import routing


class StaticRouterParams(routing.RouteParams):
    data_source: Literal["participant_data", "session_state", "temp_state"] = "participant_data"
    route_key: str = Field(min_length=1, description="A key, or a dotted path like 'profile.language'")


def lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class StaticRouterNode(routing.RouterNodeType):
    name = "static_router"
    label = "Static router"
    description = "Routes by a value in participant data, session state or temp state."
    Params = StaticRouterParams

    def run(self, params, context):
        source = {
            "participant_data": context.participant_data,
            "session_state": context.session_state,
            "temp_state": context.temp_state,
        }[params.data_source]
        value = lookup(source, params.route_key)
        return self.routed(params, context, None if value is None else str(value), context.input)
