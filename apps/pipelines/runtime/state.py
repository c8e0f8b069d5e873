"""The state a pipeline run carries from node to node (a LangGraph state with reducers).

Dicts merge key by key (last write wins), lists append, so parallel branches can each contribute."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict, get_type_hints


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    return {**(left or {}), **(right or {})}


def replace_value(left: Any, right: Any) -> Any:
    return right if right is not None else left


class PipelineState(TypedDict, total=False):
    input: str  # the participant's message
    outputs: Annotated[dict[str, str], merge_dicts]  # node id -> output text
    routes: Annotated[dict[str, str], merge_dicts]  # router node name -> chosen route
    temp_state: Annotated[dict[str, Any], merge_dicts]  # lives for this run only
    session_state: Annotated[dict[str, Any], merge_dicts]
    participant_data: Annotated[dict[str, Any], replace_value]  # replaced whole: nodes may remove keys
    output_tags: Annotated[list[str], operator.add]
    session_tags: Annotated[list[str], operator.add]
    intents: Annotated[list[str], operator.add]  # e.g. "end_session"
    attachments: Annotated[list[dict[str, Any]], operator.add]
    path: Annotated[list[str], operator.add]  # node ids in the order they ran
    final_output: Annotated[str | None, replace_value]
    abort_message: Annotated[str | None, replace_value]  # a node stopped the run and replies with this


_REDUCERS = {
    key: hint.__metadata__[0]
    for key, hint in get_type_hints(PipelineState, include_extras=True).items()
    if hasattr(hint, "__metadata__")
}


def apply_update(state: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`state` after a node's `update`, merged by the reducers above as LangGraph merges it, for the
    steps that run outside a LangGraph graph (Start, End, and the nodes of a chain: compiled.py)."""
    merged = dict(state)
    for key, value in update.items():
        reducer = _REDUCERS.get(key)
        merged[key] = reducer(merged[key], value) if reducer is not None and key in merged else value
    return merged
