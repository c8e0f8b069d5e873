from __future__ import annotations

from apps.pipelines.nodes import llm_common
from apps.pipelines.nodes.base import NodeError, NodeResult, NodeType
from apps.service_providers.errors import ProviderError
from apps.service_providers.llm.errors import translate_errors


class LlmNode(NodeType):
    name = "llm"
    label = "LLM"
    description = "Answers with a language model, given a prompt and the conversation so far."
    Params = llm_common.LlmParams
    ui = llm_common.LLM_UI
    max_attempts = 2

    def check(self, params, context):
        return llm_common.check_llm_params(params, context)

    def run(self, params, context):
        messages, history = llm_common.prompt_messages(params, context, context.input)
        streaming = context.on_token is not None
        model = llm_common.chat_model(params, context, streaming=streaming)
        try:
            with translate_errors(provider=f"node {context.node.name}"):
                if streaming:
                    reply = None
                    for chunk in model.stream(messages):
                        if chunk.text:
                            context.on_token(chunk.text)
                        reply = chunk if reply is None else reply + chunk
                else:
                    reply = model.invoke(messages)
        except ProviderError as error:
            raise NodeError(str(error)) from error
        text = (reply.text if reply is not None else "").strip()
        llm_common.record_usage(context, reply)
        llm_common.save_exchange(params, context, history, context.input, text)
        return NodeResult(output=text)
