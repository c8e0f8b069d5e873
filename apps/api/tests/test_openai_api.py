"""The OpenAI-compatible endpoint, driven by the official `openai` SDK against a live server."""

import pytest
from openai import APIStatusError, NotFoundError, OpenAI
from rest_framework.test import APIClient

from apps.api.keys import create_api_key
from apps.experiments import actions
from apps.experiments.tests.factories import simple_chatbot
from apps.pipelines.actions import save_pipeline_data
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(live_server):
    team = TeamFactory()
    user = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN]).user
    chatbot = simple_chatbot(team)
    _, key = create_api_key(team=team, name="sdk", created_by=user)
    return team, chatbot, key


def client_for(live_server, chatbot, key, version=None) -> OpenAI:
    suffix = f"/v{version}" if version else ""
    return OpenAI(base_url=f"{live_server.url}/api/openai/{chatbot.public_id}{suffix}", api_key=key, max_retries=0)


def api_client(key) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)
    return api


def test_sdk_gets_a_completion(live_server, setup):
    _, chatbot, key = setup
    client = client_for(live_server, chatbot, key)
    messages = [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "How are you?"},
    ]
    with use_fake_llm("I am well") as fake:
        completion = client.chat.completions.create(model="anything", messages=messages)
    assert completion.choices[0].message.content == "I am well"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.object == "chat.completion"
    assert [m.text for m in fake.calls[0][1:]] == ["Hi", "Hello", "How are you?"]
    # The request's system message is added to the chatbot's own prompt, for this run.
    assert fake.calls[0][0].text == "You are helpful.\n\nAnswer in French."
    # The run's real token counts (the fake model counts words), not zeros.
    prompt_words = sum(len(m.text.split()) for m in fake.calls[0])
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (prompt_words, 3)
    assert completion.usage.total_tokens == prompt_words + 3


def test_stream_ends_with_usage_when_asked(live_server, setup):
    """Read as raw events: the SDK shows a missing `usage` and `"usage": null` alike."""
    import json

    import httpx

    _, chatbot, key = setup
    url = f"{live_server.url}/api/openai/{chatbot.public_id}/chat/completions"

    def events(body: dict) -> list[dict]:
        with httpx.stream("POST", url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30) as response:
            assert response.status_code == 200, response.read()
            lines = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
        assert lines[-1] == "[DONE]"
        return [json.loads(line) for line in lines[:-1]]

    asked = {"messages": [{"role": "user", "content": "count to three"}], "stream": True}
    with use_fake_llm("one two three") as fake:
        chunks = events({**asked, "stream_options": {"include_usage": True}})
    *content_chunks, last = chunks
    assert all("usage" in chunk and chunk["usage"] is None for chunk in content_chunks)
    assert content_chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert last["choices"] == []
    prompt_words = sum(len(m.text.split()) for m in fake.calls[0])
    assert last["usage"] == {"prompt_tokens": prompt_words, "completion_tokens": 3, "total_tokens": prompt_words + 3}
    with use_fake_llm("no usage"):
        plain = events(asked)
    assert all("usage" not in chunk and chunk["choices"] for chunk in plain)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    not_streamed = api.post(url, {**asked, "stream": False, "stream_options": {"include_usage": True}}, format="json")
    assert not_streamed.status_code == 400
    assert not_streamed.json()["error"]["param"] == "stream_options"  # OpenAI's error shape


def test_sdk_streams_chunks(live_server, setup):
    _, chatbot, key = setup
    client = client_for(live_server, chatbot, key)
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "count"},
    ]
    with use_fake_llm("one two three") as fake:
        stream = client.chat.completions.create(model="m", messages=messages, stream=True)
        deltas = [chunk.choices[0].delta.content for chunk in stream if chunk.choices]
    assert [m.text for m in fake.calls[0][1:]] == ["Hi", "Hello", "count"]  # the earlier turns are history
    assert "".join(d for d in deltas if d) == "one two three"
    assert len([d for d in deltas if d]) == 3


def test_tokens_reach_the_sdk_while_the_model_is_still_writing(asgi_server, gate):
    """Under ASGI (production) the stream is not buffered: the first token arrives while the model
    waits at the gate."""
    team = TeamFactory()
    user = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN]).user
    chatbot = simple_chatbot(team)
    _, key = create_api_key(team=team, name="sdk", created_by=user)
    client = OpenAI(base_url=f"{asgi_server}/api/openai/{chatbot.public_id}", api_key=key, max_retries=0)
    with use_fake_llm("one two three"):
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
        contents = (chunk.choices[0].delta.content for chunk in stream if chunk.choices)
        first = next(content for content in contents if content)
        assert first == "one"
        assert not gate.is_set()
        gate.set()
        assert "".join(content or "" for content in contents) == " two three"


def test_versioned_endpoint(live_server, setup):
    _, chatbot, key = setup
    actions.create_chatbot_version(experiment=chatbot)
    with use_fake_llm("from v1"):
        reply = client_for(live_server, chatbot, key, version=1).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content == "from v1"
    with pytest.raises(NotFoundError):
        client_for(live_server, chatbot, key, version=7).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )


def test_the_reported_version_number_reaches_the_working_copy(live_server, setup):
    """As in Open Chat Studio: the experiments API's `version_number` is the working copy's, and
    `/v<n>/` with it runs the working copy, not a published version."""
    _, chatbot, key = setup
    actions.create_chatbot_version(experiment=chatbot, publish=True)
    data = chatbot.pipeline.data
    next(node for node in data["nodes"] if "prompt" in node.get("params", {}))["params"]["prompt"] = "Draft prompt."
    save_pipeline_data(pipeline=chatbot.pipeline, data=data, expected_revision=chatbot.pipeline.edit_revision)
    number = api_client(key).get(f"/api/experiments/{chatbot.public_id}/").json()["version_number"]
    assert number == 2
    for version, prompt in [(number, "Draft prompt."), (1, "You are helpful.")]:
        with use_fake_llm("ok") as fake:
            client_for(live_server, chatbot, key, version=version).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}]
            )
        assert fake.calls[0][0].text == prompt


def test_errors(live_server, setup):
    team, chatbot, key = setup
    other_team_key = create_api_key(team=TeamFactory(), name="x")[1]
    with pytest.raises(NotFoundError):
        client_for(live_server, chatbot, other_team_key).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(APIStatusError) as info:
        client_for(live_server, chatbot, "cs_bad.key").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    path = f"/api/openai/{chatbot.public_id}/chat/completions"
    assert api.post(path, {"messages": []}, format="json").status_code == 400
    last_is_assistant = {"messages": [{"role": "assistant", "content": "x"}]}
    assert "last message" in str(api.post(path, last_is_assistant, format="json").json())


def test_completion_id_finds_the_stored_conversation(live_server, setup):
    """As in Open Chat Studio, the id is the session's: the sessions API reads the conversation,
    its system message included."""
    _, chatbot, key = setup
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    with use_fake_llm("Hello"):
        completion = client_for(live_server, chatbot, key).chat.completions.create(model="m", messages=messages)
    session = api_client(key).get(f"/api/sessions/{completion.id}/")
    assert session.status_code == 200
    stored = [(m["role"], m["content"]) for m in session.json()["messages"]]
    assert stored == [("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello")]


def test_streamed_chunks_carry_the_session_id(live_server, setup):
    _, chatbot, key = setup
    with use_fake_llm("one two"):
        stream = client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        ids = {chunk.id for chunk in stream}
    (session_id,) = ids
    assert api_client(key).get(f"/api/sessions/{session_id}/").status_code == 200


def test_text_parts_are_joined_with_a_space(live_server, setup):
    _, chatbot, key = setup
    content = [{"type": "text", "text": "Find a fish for me"}, {"type": "text", "text": "Barracuda"}]
    with use_fake_llm("ok") as fake:
        client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[{"role": "user", "content": content}]
        )
    assert fake.calls[0][-1].text == "Find a fish for me Barracuda"


def test_user_names_the_participant(live_server, setup):
    _, chatbot, key = setup
    client = client_for(live_server, chatbot, key)
    ids = []
    with use_fake_llm("ok"):
        for _ in range(2):
            completion = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}], user="client-user-42"
            )
            ids.append(completion.id)
    api = api_client(key)
    sessions = [api.get(f"/api/sessions/{session_id}/").json() for session_id in ids]
    assert [s["participant"]["identifier"] for s in sessions] == ["client-user-42", "client-user-42"]


def test_the_sdk_reads_our_error_messages(live_server, setup):
    """The SDK takes `error.message`, `param` and `code` from OpenAI's error shape."""
    from openai import AuthenticationError, BadRequestError

    _, chatbot, key = setup
    client = client_for(live_server, chatbot, key)
    with pytest.raises(BadRequestError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "assistant", "content": "x"}])
    assert info.value.param == "messages"
    assert info.value.message == "Error code: 400 - The last message must be from the user"
    with pytest.raises(BadRequestError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": [{"type": "text", "text": 5}]}])
    assert info.value.body["param"] == "messages[0].content[0].text"
    with pytest.raises(AuthenticationError) as denied:
        client_for(live_server, chatbot, "cs_bad.key").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    assert denied.value.body["type"] == "authentication_error"
