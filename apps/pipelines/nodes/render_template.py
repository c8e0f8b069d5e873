from __future__ import annotations

from pydantic import Field

from apps.pipelines.nodes.base import NodeError, NodeParams, NodeResult, NodeType
from apps.pipelines.templating import TemplateProblem, render, template_syntax_error, template_variables


class RenderTemplateParams(NodeParams):
    template_string: str = Field(
        "{{ input }}",
        title="Template",
        description="Jinja2. Variables: input, node_outputs, temp_state, session_state, participant_data, "
        "participant_details",
    )


class RenderTemplateNode(NodeType):
    name = "render_template"
    label = "Render template"
    description = "Builds text from a Jinja2 template over the input and the run's state."
    Params = RenderTemplateParams
    ui = {"template_string": {"widget": "code", "language": "jinja"}}

    def check(self, params, context):
        problem = template_syntax_error(params.template_string)
        return [("template_string", problem)] if problem else []

    def run(self, params, context):
        try:
            return NodeResult(output=render(params.template_string, template_variables(context)))
        except TemplateProblem as error:
            raise NodeError(str(error)) from error
