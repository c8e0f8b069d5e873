from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import Field

from apps.pipelines.nodes.base import NodeError, NodeParams, NodeResult, NodeType
from apps.pipelines.templating import TemplateProblem, render, template_syntax_error, template_variables


class SendEmailParams(NodeParams):
    recipient_list: str = Field(
        min_length=1, title="Recipients", description="Comma-separated addresses; templates allowed"
    )
    subject: str = Field(min_length=1, title="Subject", description="A Jinja2 template")
    body: str = Field("{{ input }}", title="Body", description="A Jinja2 template")


class SendEmailNode(NodeType):
    name = "send_email"
    label = "Send email"
    description = "Emails someone (e.g. a supervisor) from a template; sent in the background."
    Params = SendEmailParams
    ui = {"subject": {"widget": "code", "language": "jinja"}, "body": {"widget": "code", "language": "jinja"}}

    def check(self, params, context):
        problems = []
        for field in ("recipient_list", "subject", "body"):
            if problem := template_syntax_error(getattr(params, field)):
                problems.append((field, problem))
        return problems

    def run(self, params, context):
        variables = template_variables(context)
        try:
            recipients = [r.strip() for r in render(params.recipient_list, variables).split(",") if r.strip()]
            subject = render(params.subject, variables).strip().replace("\n", " ")
            body = render(params.body, variables)
        except TemplateProblem as error:
            raise NodeError(str(error)) from error
        for recipient in recipients:
            try:
                validate_email(recipient)
            except DjangoValidationError:
                raise NodeError(f"'{recipient}' is not an email address") from None
        if not recipients:
            raise NodeError("No recipients")
        context.repo.queue_email(recipients=recipients, subject=subject, body=body)
        context.details["recipients"] = recipients
        return NodeResult(output=context.input)
