"""One table for the author of a message: stored type, OpenAI role, LangChain class."""

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from apps.chat.models import ChatMessage
from apps.service_providers.llm import roles


def test_every_stored_type_has_an_openai_role_and_back():
    for message_type in ChatMessage.Type.values:
        assert roles.STORED_TYPES[roles.openai_role(message_type)] == message_type
    assert roles.openai_role("tool") == "tool"


def test_stored_types_are_langchain_types():
    turns = [("human", "hi"), ("ai", "hello"), ("system", "be brief")]
    messages = roles.langchain_messages(turns)
    assert [type(message) for message in messages] == [HumanMessage, AIMessage, SystemMessage]
    assert [(message.type, message.text) for message in messages] == turns
