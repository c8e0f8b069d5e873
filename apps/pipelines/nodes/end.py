from apps.pipelines.nodes.base import NodeResult, NodeType


class EndNode(NodeType):
    name = "end"
    label = "End"
    description = "Where every run finishes: what arrives here is the bot's reply."

    def output_handles(self, params):
        return []

    def outputs_schema(self):
        return {"handles": []}

    def run(self, params, context):
        return NodeResult(output=context.input)
