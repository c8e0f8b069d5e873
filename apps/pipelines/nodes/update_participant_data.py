from __future__ import annotations

import json

from pydantic import Field

from apps.pipelines.nodes.base import NodeError, NodeParams, NodeResult, NodeType


class UpdateParticipantDataParams(NodeParams):
    key_name: str = Field(
        "", title="Under key", description="Empty: merge at the top level; otherwise merge under this key"
    )


class UpdateParticipantDataNode(NodeType):
    name = "update_participant_data"
    label = "Update participant data"
    description = "Merges a JSON object (e.g. from Extract Structured Data) into the participant's data."
    Params = UpdateParticipantDataParams

    def run(self, params, context):
        try:
            update = json.loads(context.input)
        except json.JSONDecodeError as error:
            raise NodeError(f"The input is not JSON: {error.msg} at position {error.pos}") from error
        if not isinstance(update, dict):
            raise NodeError("The input must be a JSON object")
        data = context.participant_data
        key = params.key_name.strip()
        if key:
            existing = data.get(key)
            data[key] = {**existing, **update} if isinstance(existing, dict) else update
        else:
            data.update(update)
        context.set_participant_data(data)
        context.details["updated_keys"] = sorted(update)
        return NodeResult(output=context.input)
