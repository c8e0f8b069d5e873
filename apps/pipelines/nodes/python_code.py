"""The Python node: team-written `main(input, **kwargs)` run in the sandbox (apps.pipelines.sandbox),
with helpers that read and change the run's state through the node's context."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from pydantic import Field, field_validator

from apps.pipelines.nodes.base import NodeError, NodeParams, NodeResult, NodeType
from apps.pipelines.sandbox import AbortPipeline, HelperError, HelperHost, SandboxError, check_code, run_user_code
from apps.pipelines.sandbox.limits import SandboxLimits

DEFAULT_CODE = """def main(input: str, **kwargs) -> str:
    # Helpers: get_participant_data(), set_participant_data_key(key, value), get_session_state_key(key),
    # set_session_state_key(key, value), get_temp_state_key(key), set_temp_state_key(key, value),
    # get_selected_route(router_name), get_node_output(node_name), add_message_tag(tag),
    # add_session_tag(tag), end_session(), abort_with_message(message), http_get(url), http_post(url, json=...)
    return input
"""


class PythonCodeParams(NodeParams):
    code: str = Field(DEFAULT_CODE, title="Code", description="Define main(input, **kwargs) and return text")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        title="HTTP allow-list",
        description="Host names http_get / http_post may call, e.g. api.example.org or *.example.org",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        cleaned = [host.strip().lower() for host in hosts if host.strip()]
        for host in cleaned:
            if "/" in host or ":" in host or " " in host:
                raise ValueError(f"'{host}' is not a host name")
        return cleaned


class ContextHelperHost(HelperHost):
    """The helpers, answered from the running node's context."""

    def __init__(self, context, allowed_hosts: list[str]):
        self.context = context
        self.http_allowed_hosts = tuple(allowed_hosts)

    def get_participant_data(self) -> dict[str, Any]:
        return self.context.participant_data

    def set_participant_data(self, data: dict[str, Any]) -> None:
        if not isinstance(data, dict):
            raise HelperError("Participant data must be a dictionary")
        self.context.set_participant_data(data)

    def set_participant_data_key(self, key: str, value: Any) -> None:
        data = self.context.participant_data
        data[str(key)] = value
        self.context.set_participant_data(data)

    def get_session_state(self) -> dict[str, Any]:
        return self.context.session_state

    def get_session_state_key(self, key: str) -> Any:
        return self.context.session_state.get(key)

    def set_session_state_key(self, key: str, value: Any) -> None:
        self.context.changes.session_state[str(key)] = value

    def get_temp_state(self) -> dict[str, Any]:
        return self.context.temp_state

    def get_temp_state_key(self, key: str) -> Any:
        return self.context.temp_state.get(key)

    def set_temp_state_key(self, key: str, value: Any) -> None:
        self.context.changes.temp_state[str(key)] = value

    def get_selected_route(self, router_node_name: str) -> str | None:
        return self.context.selected_route(router_node_name)

    def get_node_output(self, node_name: str) -> str | None:
        return self.context.node_output(node_name)

    def add_message_tag(self, tag: str) -> None:
        self.context.changes.output_tags.append(str(tag))

    def add_session_tag(self, tag: str) -> None:
        self.context.changes.session_tags.append(str(tag))

    def end_session(self) -> None:
        if "end_session" not in self.context.changes.intents:
            self.context.changes.intents.append("end_session")

    def abort_with_message(self, message: str) -> None:
        raise AbortPipeline(str(message))

    def log(self, text: str) -> None:
        self.context.details["printed"] = (self.context.details.get("printed", "") + text)[-4000:]


def sandbox_limits() -> SandboxLimits:
    return getattr(settings, "PIPELINE_CODE_LIMITS", None) or SandboxLimits()


class PythonCodeNode(NodeType):
    name = "python_code"
    label = "Python code"
    description = "Runs your Python function main(input, **kwargs) in a sandbox; returns its text."
    Params = PythonCodeParams
    ui = {"code": {"widget": "code", "language": "python"}, "allowed_hosts": {"widget": "list"}}

    def check(self, params, context):
        return [("code", problem) for problem in check_code(params.code)]

    def run(self, params, context):
        host = ContextHelperHost(context, params.allowed_hosts)
        try:
            output = run_user_code(params.code, context.input, host=host, limits=sandbox_limits())
        except AbortPipeline as abort:
            # A deliberate stop: the run ends here and replies with the message.
            context.details["aborted"] = abort.message
            return NodeResult(output=abort.message, metadata={"abort_message": abort.message})
        except SandboxError as error:
            raise NodeError(str(error)) from error
        return NodeResult(output=output)
