from apps.pipelines.nodes.base import NodeResult, NodeType


class StartNode(NodeType):
    name = "start"
    label = "Start"
    description = "Where every run begins: passes on the participant's message."
    has_input = False

    def run(self, params, context):
        return NodeResult(output=context.run.message)
