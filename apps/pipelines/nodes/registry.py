"""Every node type, by name. Adding one: write its module, list it here; the builder shows it."""

from apps.pipelines.nodes.base import NodeType
from apps.pipelines.nodes.end import EndNode
from apps.pipelines.nodes.extract_structured_data import ExtractStructuredDataNode
from apps.pipelines.nodes.llm import LlmNode
from apps.pipelines.nodes.llm_router import LlmRouterNode
from apps.pipelines.nodes.python_code import PythonCodeNode
from apps.pipelines.nodes.render_template import RenderTemplateNode
from apps.pipelines.nodes.send_email import SendEmailNode
from apps.pipelines.nodes.start import StartNode
from apps.pipelines.nodes.static_router import StaticRouterNode
from apps.pipelines.nodes.update_participant_data import UpdateParticipantDataNode

NODE_TYPES: dict[str, NodeType] = {
    node.name: node
    for node in (
        StartNode(),
        EndNode(),
        LlmNode(),
        LlmRouterNode(),
        StaticRouterNode(),
        ExtractStructuredDataNode(),
        UpdateParticipantDataNode(),
        RenderTemplateNode(),
        SendEmailNode(),
        PythonCodeNode(),
    )
}


def get_node_type(name: str) -> NodeType | None:
    return NODE_TYPES.get(name)


def node_type_schemas() -> list[dict]:
    return [node.schema() for node in NODE_TYPES.values()]
