"""Every agent tool an LLM node can enable, by name."""

from apps.pipelines.tools import participant_data, session_state
from apps.pipelines.tools.base import AgentTool
from apps.pipelines.tools.calculator import CALCULATOR
from apps.pipelines.tools.end_session import END_SESSION

AGENT_TOOLS: dict[str, AgentTool] = {
    tool.name: tool
    for tool in (
        participant_data.UPDATE,
        participant_data.APPEND,
        participant_data.INCREMENT,
        session_state.GET,
        session_state.SET,
        session_state.APPEND,
        session_state.INCREMENT,
        END_SESSION,
        CALCULATOR,
    )
}
