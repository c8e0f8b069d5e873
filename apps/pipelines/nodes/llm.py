from __future__ import annotations

from typing import Literal

from langchain_core.messages import ToolMessage
from pydantic import Field

from apps.pipelines.nodes import llm_common
from apps.pipelines.nodes.base import NodeError, NodeResult, NodeType
from apps.pipelines.tools.registry import AGENT_TOOLS
from apps.service_providers.errors import ProviderError
from apps.service_providers.llm.errors import translate_errors

ToolName = Literal[tuple(AGENT_TOOLS)]  # type: ignore[valid-type]
MAX_TOOL_ROUNDS = 8


class LlmNodeParams(llm_common.LlmParams):
    tools: list[ToolName] = Field(default_factory=list, description="Actions the model may take")  # type: ignore[valid-type]


class LlmNode(NodeType):
    name = "llm"
    label = "LLM"
    description = "Answers with a language model, given a prompt, the conversation so far and optional tools."
    Params = LlmNodeParams
    ui = {**llm_common.LLM_UI, "tools": {"widget": "multiselect"}}
    max_attempts = 2

    def check(self, params, context):
        return llm_common.check_llm_params(params, context)

    def run(self, params, context):
        messages, history = llm_common.prompt_messages(params, context, context.input)
        messages = llm_common.with_images(params, context, messages)
        streaming = context.on_token is not None
        model = llm_common.chat_model(params, context, streaming=streaming)
        tools = {name: AGENT_TOOLS[name].build(context) for name in params.tools}
        if tools:
            model = model.bind_tools(list(tools.values()))
        calls: list[dict] = []
        try:
            with translate_errors(provider=f"node {context.node.name}"):
                for _ in range(MAX_TOOL_ROUNDS):
                    reply = self._ask(model, messages, context if streaming else None)
                    if not reply.tool_calls:
                        break
                    messages.append(reply)
                    for call in reply.tool_calls:
                        result = self._call_tool(tools, call)
                        calls.append({"tool": call["name"], "args": call["args"], "result": result})
                        messages.append(ToolMessage(result, tool_call_id=call["id"] or call["name"]))
                else:
                    raise NodeError(f"The model kept calling tools after {MAX_TOOL_ROUNDS} rounds")
        except ProviderError as error:
            raise NodeError(str(error)) from error
        if calls:
            context.details["tool_calls"] = calls
        text = reply.text.strip()
        llm_common.record_usage(context, reply)
        llm_common.save_exchange(params, context, history, context.input, text)
        return NodeResult(output=text)

    @staticmethod
    def _ask(model, messages, streaming_context):
        if streaming_context is None:
            return model.invoke(messages)
        reply = None
        for chunk in model.stream(messages):
            if chunk.text:
                streaming_context.on_token(chunk.text)
            reply = chunk if reply is None else reply + chunk
        if reply is None:
            raise NodeError("The model sent an empty stream")
        return reply

    @staticmethod
    def _call_tool(tools, call) -> str:
        tool = tools.get(call["name"])
        if tool is None:
            return f"Error: there is no tool named {call['name']}"
        try:
            return str(tool.invoke(call["args"]))
        except Exception as error:  # noqa: BLE001 - a bad tool call is reported to the model, which can retry
            return f"Error: {error}"
