from langchain_core.tools import StructuredTool

from apps.pipelines.tools.base import AgentTool


def _end(context):
    def end_session() -> str:
        """End this conversation after replying, when the participant is done or asks to stop."""
        if "end_session" not in context.changes.intents:
            context.changes.intents.append("end_session")
        return "The session will end after this reply."

    return StructuredTool.from_function(end_session)


END_SESSION = AgentTool("end_session", "End session", "Let the model end the conversation", _end)
