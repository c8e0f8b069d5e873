from __future__ import annotations

from pydantic import BaseModel, Field, create_model

from apps.pipelines.nodes import llm_common, routing


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
        # A free string rather than an enum: an answer outside the routes takes the default route
        # instead of failing the run (small models do stray).
        choice_model: type[BaseModel] = create_model(
            "RouteChoice", route=(str, Field(description="One of: " + ", ".join(params.keywords)))
        )
        messages, _ = llm_common.prompt_messages(params, context, context.input)
        routes = ", ".join(params.keywords)
        messages[0].content = f"{messages[0].content}\n\nAnswer with one route of: {routes}."
        model = llm_common.chat_model(params, context).with_structured_output(choice_model)
        answer = llm_common.invoke(model, messages, context)
        keyword = answer.get("route") if isinstance(answer, dict) else getattr(answer, "route", None)
        return self.routed(params, context, keyword, context.input)
