"""What the LLM, LLM Router and extraction nodes share: the model choice, the prompt, the history."""

from __future__ import annotations

import base64
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, trim_messages
from pydantic import Field

from apps.files.content_types import is_image
from apps.pipelines.nodes.base import NodeError, NodeParams
from apps.pipelines.prompts import render_prompt, unknown_variables
from apps.service_providers.errors import ProviderError
from apps.service_providers.llm.base import CallOptions
from apps.service_providers.llm.errors import translate_errors
from apps.service_providers.tokens import TOKENS_REPLY_PRIMING, count_message_tokens, count_tokens

HistoryType = Literal["global", "node", "named", "none"]
HistoryMode = Literal["summarize", "truncate_tokens", "max_messages"]
DEFAULT_OUTPUT_RESERVE = 1024  # tokens kept free for the reply when the budget comes from the model's limit
DEFAULT_TOKEN_BUDGET = 8192
MAX_IMAGES = 4  # a message's images sent to a vision model
# Larger images are named, not sent. Anthropic takes 5 MB of base64 per image (3.75 MB of image);
# Gemini about 20 MB per request, base64 included.
MAX_IMAGE_BYTES = 3_750_000
MAX_IMAGES_BYTES = 12_000_000

HISTORY_FIELDS = ("history_type", "history_name", "history_mode", "history_token_limit", "history_max_messages")
ADVANCED_FIELDS = ("temperature", "max_tokens", "reasoning_effort")

# Builder hints (docs/builder-api.md): widgets, the History group, and model settings folded away.
LLM_UI: dict[str, dict[str, Any]] = {
    "llm_provider_id": {"widget": "llm_provider"},
    "llm_model_id": {"widget": "llm_model", "provider_field": "llm_provider_id"},
    "prompt": {"widget": "prompt"},
    **{name: {"group": "History"} for name in HISTORY_FIELDS},
    **{name: {"advanced": True} for name in ADVANCED_FIELDS},
}


class LlmParams(NodeParams):
    llm_provider_id: int = Field(title="Provider")
    llm_model_id: int = Field(title="Model")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, title="Max output tokens")
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    prompt: str = Field("You are a helpful assistant.", title="Prompt")
    history_type: HistoryType = Field("global", description="Whose conversation the model sees")
    history_name: str = Field("", description="For a named history shared by several nodes")
    history_mode: HistoryMode = Field("truncate_tokens", description="What to do when the history is too long")
    history_token_limit: int | None = Field(None, ge=100, description="Default: the model's context window")
    history_max_messages: int = Field(20, ge=1)


def check_llm_params(params: LlmParams, context) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not context.repo.llm_choice_exists(params.llm_provider_id, params.llm_model_id):
        problems.append(("llm_model_id", "Choose a provider and model of this team"))
    else:
        too_long = prompt_too_long(
            params.prompt, context.repo.model_token_limit(params.llm_model_id), params.max_tokens
        )
        if too_long:
            problems.append(("prompt", too_long))
    for name in unknown_variables(params.prompt):
        problems.append(("prompt", f"Unknown variable {{{name}}}"))
    if params.history_type == "named" and not params.history_name.strip():
        problems.append(("history_name", "A named history needs a name"))
    return problems


def prompt_too_long(prompt: str, token_limit: int | None, max_tokens: int | None = None) -> str | None:
    """Why the prompt cannot fit the model's context with room for a reply, or None if it can. Checked
    when a chatbot is saved, so a prompt that cannot fit is refused then, not when a participant chats."""
    if not token_limit:
        return None
    room = token_limit - (max_tokens or DEFAULT_OUTPUT_RESERVE)
    # A token is at least one byte of UTF-8: a prompt with fewer bytes surely fits, without counting.
    if len(prompt.encode()) <= room:
        return None
    tokens = count_tokens(prompt)
    if tokens <= room:
        return None
    return (
        f"The prompt is about {tokens:,} tokens, but the model reads at most {token_limit:,} "
        f"and {token_limit - room:,} are kept for its reply: shorten it to under {max(room, 0):,} tokens"
    )


def chat_model(params: LlmParams, context, *, streaming: bool = False):
    options = CallOptions(
        temperature=params.temperature,
        max_tokens=params.max_tokens,
        reasoning_effort=params.reasoning_effort,
        streaming=streaming,
    )
    try:
        return context.repo.chat_model(params.llm_provider_id, params.llm_model_id, options)
    except ProviderError as error:
        raise NodeError(str(error)) from error


def invoke(model, messages: list[BaseMessage], context) -> Any:
    """One model call for a node: a provider failure becomes the node's error, naming the node."""
    try:
        with translate_errors(provider=f"node {context.node.name}"):
            return model.invoke(messages)
    except ProviderError as error:
        raise NodeError(str(error)) from error


def _history_key(params: LlmParams, context) -> str | None:
    if params.history_type == "node":
        return f"node:{context.node.id}"
    if params.history_type == "named":
        return f"named:{params.history_name.strip()}"
    return None


def load_history(params: LlmParams, context) -> list[BaseMessage]:
    if params.history_type == "none":
        return []
    if params.history_type == "global":
        return list(context.run.history)
    return context.repo.load_history(context.run.session_id, _history_key(params, context))


def save_exchange(params: LlmParams, context, history: list[BaseMessage], user: str, reply: str) -> None:
    """Node and named histories are kept by the pipeline; the global one is the session's chat."""
    key = _history_key(params, context)
    if key is not None:
        from langchain_core.messages import AIMessage

        context.repo.save_history(context.run.session_id, key, [*history, HumanMessage(user), AIMessage(reply)])


def token_budget(params: LlmParams, context) -> int:
    if params.history_token_limit:
        return params.history_token_limit
    limit = context.repo.model_token_limit(params.llm_model_id) or DEFAULT_TOKEN_BUDGET
    return max(limit - (params.max_tokens or DEFAULT_OUTPUT_RESERVE), 256)


def fit_history(params: LlmParams, context, system: str, history: list[BaseMessage], user: str) -> list[BaseMessage]:
    """The history trimmed by the node's mode so the whole prompt fits its budget."""
    if params.history_mode == "max_messages":
        kept = history[-params.history_max_messages :]
        context.details["history"] = {"mode": "max_messages", "kept": len(kept), "dropped": len(history) - len(kept)}
        return kept
    budget = token_budget(params, context)
    if _surely_fits(budget, system, user, history):
        return history
    counter = HistoryCounter(context.repo.model_name(params.llm_model_id))
    fixed = counter([SystemMessage(system), HumanMessage(user)])
    if fixed + counter(history) <= budget:
        return history
    if params.history_mode == "summarize":
        return _summarized(params, context, history, budget - fixed, counter)
    # The newest messages that fit; a leading system message (an earlier summary) stays.
    kept = trim_messages(
        history, max_tokens=budget - fixed, token_counter=counter, strategy="last", include_system=True
    )
    context.details["history"] = {"mode": "truncate_tokens", "kept": len(kept), "dropped": len(history) - len(kept)}
    return kept


class HistoryCounter:
    """Tokens of a list of messages for one model, as `count_message_tokens` counts them, with each
    message counted once: trimming asks for many overlapping lists (a binary search over how many of
    the newest to keep), and re-counting them all each time was quadratic in the history's length."""

    def __init__(self, model: str):
        self.model = model
        self._counts: dict[int, tuple[BaseMessage, int]] = {}  # id -> (the message, kept alive; its cost)

    def __call__(self, messages: list[BaseMessage]) -> int:
        if not messages:
            return 0
        return TOKENS_REPLY_PRIMING + sum(self._cost(message) for message in messages)

    def _cost(self, message: BaseMessage) -> int:
        found = self._counts.get(id(message))
        if found is None or found[0] is not message:
            found = (message, count_message_tokens([message], self.model) - TOKENS_REPLY_PRIMING)
            self._counts[id(message)] = found
        return found[1]


def _surely_fits(budget: int, system: str, user: str, history: list[BaseMessage]) -> bool:
    """A token is at least one byte of UTF-8 (byte-level BPE; a character of many scripts is several
    tokens), so a prompt with fewer bytes (plus each message's framing) than the budget fits without
    counting: the common case of a short conversation."""
    framing = 8 * (len(history) + 3)
    size = sum(len(text.encode()) for text in (system, user, *(message.text for message in history)))
    return size + framing <= budget


def _summarized(
    params: LlmParams, context, history: list[BaseMessage], budget: int, counter: HistoryCounter
) -> list[BaseMessage]:
    """Older messages replaced by a summary written by the same model; the newest kept verbatim (an
    earlier summary among the older ones is summarised again)."""
    recent = trim_messages(history, max_tokens=budget // 2, token_counter=counter, strategy="last")
    older = history[: len(history) - len(recent)]
    transcript = "\n".join(f"{message.type}: {message.text}" for message in older)
    model = chat_model(params, context)
    prompt = [
        SystemMessage("Summarise this conversation in a few sentences, keeping facts about the participant."),
        HumanMessage(transcript),
    ]
    with translate_errors(provider="history summary"):
        summary = model.invoke(prompt).text
    context.details["history"] = {"mode": "summarize", "summarized": len(older), "kept": len(recent)}
    return [SystemMessage(f"Summary of the earlier conversation: {summary}"), *recent]


def prompt_messages(params: LlmParams, context, user: str) -> tuple[list[BaseMessage], list[BaseMessage]]:
    """(messages to send, the history they include) for `user` as the newest message."""
    system = render_prompt(params.prompt, context)
    if context.run.system_instruction:
        system = f"{system}\n\n{context.run.system_instruction}"
    history = fit_history(params, context, system, load_history(params, context), user)
    return [SystemMessage(system), *history, HumanMessage(user)], history


def with_images(params: LlmParams, context, messages: list[BaseMessage]) -> list[BaseMessage]:
    """`messages` with the images attached to the participant's message added to the newest one, as
    LangChain's standard image blocks, when the node's model accepts images (`supports_vision`).
    Other models get the text, which names each attachment (apps.files.pipeline_input)."""
    attached = [
        attachment["file_id"]
        for attachment in context.run.attachments
        if is_image(attachment.get("content_type") or "") and isinstance(attachment.get("file_id"), int)
    ]
    if not attached or not context.repo.model_accepts_images(params.llm_model_id):
        return messages
    blocks, budget = [], MAX_IMAGES_BYTES
    for file_id in attached[:MAX_IMAGES]:
        found = context.repo.attachment_image(file_id, min(MAX_IMAGE_BYTES, budget))
        if found is not None:
            data, content_type = found
            budget -= len(data)
            blocks.append({"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": content_type})
    if not blocks:
        return messages
    context.details["images"] = len(blocks)
    *earlier, newest = messages
    return [*earlier, HumanMessage(content=[{"type": "text", "text": newest.text}, *blocks])]


def record_usage(context, message: Any) -> None:
    usage = getattr(message, "usage_metadata", None)
    if usage:
        context.details["usage"] = {key: usage.get(key, 0) for key in ("input_tokens", "output_tokens")}
