from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import Field, field_validator

from apps.pipelines.nodes import llm_common
from apps.pipelines.nodes.base import NodeError, NodeResult, NodeType
from apps.pipelines.prompts import render_prompt
from apps.service_providers.tokens import get_encoding


class ExtractStructuredDataParams(llm_common.LlmParams):
    prompt: str = Field(
        "Extract the requested information from the text. Leave a field empty when the text does not say.",
        title="Instructions",
    )
    data_schema: dict[str, Any] = Field(
        title="Data schema",
        description='A JSON schema object, e.g. {"type": "object", "properties": {"name": {"type": "string"}}}',
    )
    chunk_size: int = Field(2000, ge=100, description="Longer inputs are read in chunks of this many tokens")
    history_type: llm_common.HistoryType = "none"

    @field_validator("data_schema")
    @classmethod
    def _object_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict) or not schema["properties"]:
            raise ValueError('The schema must be an object with "properties"')
        return schema


def chunks(text: str, size: int) -> list[str]:
    encoding = get_encoding()
    tokens = encoding.encode(text)
    return [encoding.decode(tokens[start : start + size]) for start in range(0, len(tokens), size)] or [""]


def merge(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Later chunks fill in or override fields; empty answers never erase an earlier value."""
    merged = dict(current)
    for key, value in update.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [item for item in value if item not in merged[key]]
        else:
            merged[key] = value
    return merged


class ExtractStructuredDataNode(NodeType):
    name = "extract_structured_data"
    label = "Extract structured data"
    description = "Fills a JSON schema from the input with a language model; outputs the JSON."
    Params = ExtractStructuredDataParams
    ui = {**llm_common.LLM_UI, "data_schema": {"widget": "json_schema"}}
    max_attempts = 2

    def check(self, params, context):
        return llm_common.check_llm_params(params, context)

    def run(self, params, context):
        schema = {"title": "extracted_data", "description": "The extracted data", **params.data_schema}
        model = llm_common.chat_model(params, context).with_structured_output(schema, method="json_schema")
        result: dict[str, Any] = {}
        parts = chunks(context.input, params.chunk_size)
        for index, part in enumerate(parts):
            instructions = render_prompt(params.prompt, context)
            if result:
                instructions += f"\n\nAlready extracted from earlier parts: {json.dumps(result, ensure_ascii=False)}"
            messages = [SystemMessage(instructions), HumanMessage(part)]
            answer = llm_common.invoke(model, messages, context)
            if hasattr(answer, "model_dump"):
                answer = answer.model_dump()
            if not isinstance(answer, dict):
                raise NodeError(f"The model's answer for part {index + 1} is not a JSON object")
            result = merge(result, answer)
        context.details["chunks"] = len(parts)
        return NodeResult(output=json.dumps(result, ensure_ascii=False))
