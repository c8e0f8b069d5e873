from __future__ import annotations

import json

from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel, Field, ValidationError, create_model

from apps.pipelines.nodes import llm_common, routing
from apps.pipelines.nodes.base import NodeError

# What a malformed structured answer raises: invalid JSON, or JSON that does not fit RouteChoice.
MALFORMED_ANSWER = (ValidationError, OutputParserException, json.JSONDecodeError)


class LlmRouterParams(llm_common.LlmParams, routing.RouteParams):
    prompt: str = Field(
        "Decide which route fits the participant's last message.",
        title="Prompt",
        description="Tell the model what each route is for",
    )
    history_type: llm_common.HistoryType = "none"


class LlmRouterNode(routing.RouterNodeType):
    name = "llm_router"
    label = "LLM router"
    description = "Routes by the model's choice among named routes (a structured answer)."
    Params = LlmRouterParams
    ui = {**llm_common.LLM_UI, **routing.ROUTE_UI}
    max_attempts = 2

    def check(self, params, context):
        return llm_common.check_llm_params(params, context)

    def run(self, params, context):
        # The routes as an enum in the schema sent: a provider that constrains decoding to it
        # (llama.cpp's grammar, OpenAI's strict mode) can only answer one of them. Validated as a free
        # string, so another provider's "Billing" still matches (handle_for) and any other answer
        # takes the default route.
        description = "One of: " + ", ".join(params.keywords)
        choice_model: type[BaseModel] = create_model(
            "RouteChoice", route=(str, Field(description=description, json_schema_extra={"enum": params.keywords}))
        )
        messages, _ = llm_common.prompt_messages(params, context, context.input)
        routes = ", ".join(params.keywords)
        messages[0].content = f"{messages[0].content}\n\nAnswer with one route of: {routes}."
        model = llm_common.chat_model(params, context).with_structured_output(choice_model)
        try:
            answer = llm_common.invoke(model, messages, context)
        except NodeError as error:
            malformed = _malformed_answer(error)
            if malformed is None:
                raise
            # A small model's broken answer is a routing decision it failed to make, not a failed
            # conversation: take the default route and say why on the trace.
            context.details["route_fallback"] = f"The model's answer was malformed, took the default route: {malformed}"
            answer = None
        keyword = answer.get("route") if isinstance(answer, dict) else getattr(answer, "route", None)
        return self.routed(params, context, keyword, context.input)


def _malformed_answer(error: BaseException) -> str | None:
    """The first line of the parsing failure behind a node error (it arrives wrapped as a provider
    error by translate_errors), or None when the call failed for another reason."""
    from openai import LengthFinishReasonError  # an answer cut off by the token limit is malformed too

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (*MALFORMED_ANSWER, LengthFinishReasonError)):
            return str(seen).strip().splitlines()[0][:200]
        seen = seen.__cause__
    return None
