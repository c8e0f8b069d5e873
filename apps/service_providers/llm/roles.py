"""The one table between the spellings of a message's author.

- the type a `ChatMessage` stores, which is also LangChain's `BaseMessage.type`: "human", "ai", "system";
- the role of OpenAI's chat format (our API's and the OpenAI-compatible endpoint's): "user", "assistant",
  "system" (and "tool", "function" for the messages of tool calls, which are counted but never stored);
- the LangChain message class a stored message becomes for a model.

Every place that turns one into another asks here, so a new kind of message is added once."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

HUMAN = "human"
AI = "ai"
SYSTEM = "system"

# A conversation's turns: what a history sent by a client may hold (instructions are not turns).
TURN_TYPES = (HUMAN, AI)

OPENAI_ROLES: dict[str, str] = {
    HUMAN: "user",
    AI: "assistant",
    SYSTEM: "system",
    "tool": "tool",
    "function": "function",
}
# OpenAI roles a stored message can have, back to the stored type.
STORED_TYPES: dict[str, str] = {OPENAI_ROLES[kind]: kind for kind in (HUMAN, AI, SYSTEM)}

_CLASSES: dict[str, type[BaseMessage]] = {HUMAN: HumanMessage, AI: AIMessage, SYSTEM: SystemMessage}


def openai_role(message_type: str) -> str:
    """The OpenAI role of a stored or LangChain message type (an unknown type is its own role)."""
    return OPENAI_ROLES.get(message_type, message_type)


def langchain_message(message_type: str, content: str) -> BaseMessage:
    """The LangChain message for a stored message. Raises KeyError for a type that is not stored."""
    return _CLASSES[message_type](content)


def langchain_messages(turns: Iterable[tuple[str, str]]) -> list[BaseMessage]:
    """(message type, text) pairs, oldest first, as LangChain messages."""
    return [_CLASSES[kind](content) for kind, content in turns]
