"""What the local model's structured-output calls ask llama.cpp for, checked on the wire against a fake
server (the real model is in test_local_structured_output.py): a stop string of their own, so the
transcript template's default stops ("\\n\\n", …) cannot cut the JSON at the whitespace its grammar
allows, and a token budget the grammar's whitespace cannot exhaust."""

from pydantic import BaseModel

from apps.service_providers.llm.local import NEVER_WRITTEN, STRUCTURED_OUTPUT_TOKENS, _local_chat_model_class
from apps.service_providers.tests import openai_wire as wire


class RouteChoice(BaseModel):
    route: str


def test_structured_calls_send_their_own_stop_and_enough_tokens(fake_server):
    fake_server.route("POST", "/v1/chat/completions", wire.completion('{ "route": "billing" }'))
    model = _local_chat_model_class()(model="gemma", base_url=fake_server.url + "/v1", api_key="none", max_tokens=40)
    assert model.with_structured_output(RouteChoice).invoke("My invoice is wrong") == RouteChoice(route="billing")
    model.invoke("Hi")  # a plain reply keeps the server's stops and the node's budget
    structured, plain = (request.json() for request in fake_server.requests_to("/v1/chat/completions"))
    assert structured["stop"] == [NEVER_WRITTEN]
    assert structured["max_completion_tokens"] == STRUCTURED_OUTPUT_TOKENS
    assert structured["response_format"]["type"] == "json_schema"
    assert "stop" not in plain
    assert plain["max_completion_tokens"] == 40
