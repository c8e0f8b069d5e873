"""Images sent to the OpenAI-compatible endpoint, by the official `openai` SDK against a live server:
stored as the conversation's files, sent to a vision model as image parts, refused (400, OpenAI's
shape) by a chatbot whose model takes only text, and removed with the session when the request fails."""

import base64

import pytest
from openai import APIError, APIStatusError, BadRequestError, OpenAI

from apps.api.keys import create_api_key
from apps.experiments.actions import create_simple_chatbot
from apps.experiments.models import ExperimentSession
from apps.experiments.tests.factories import simple_chatbot
from apps.files.models import File
from apps.files.testing import PNG
from apps.service_providers.models import LlmProviderModel
from apps.service_providers.testing.fake_llm import use_fake_llm
from apps.service_providers.tests.factories import LlmProviderFactory
from apps.teams import roles
from apps.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def setup(live_server, media):
    team = TeamFactory()
    user = MembershipFactory(team=team, roles=[roles.SUPER_ADMIN]).user
    _, key = create_api_key(team=team, name="sdk", created_by=user)
    return team, key


def client_for(live_server, chatbot, key) -> OpenAI:
    return OpenAI(base_url=f"{live_server.url}/api/openai/{chatbot.public_id}", api_key=key, max_retries=0)


def what_the_model_saw(messages) -> str:
    """A vision model that tells which images it was sent with the newest message."""
    newest = messages[-1]
    parts = newest.content if isinstance(newest.content, list) else []
    images = [part for part in parts if isinstance(part, dict) and part.get("type") == "image"]
    seen = [f"{part['mime_type']} of {len(base64.b64decode(part['base64']))} bytes" for part in images]
    return "I see " + (", ".join(seen) or "no image")


def image_message(text: str, *urls: str) -> dict:
    parts = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return {"role": "user", "content": parts}


def stored_bytes(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_a_vision_model_gets_the_images_and_they_are_stored(live_server, setup, media):
    """The simple chatbot runs gpt-4o-mini, which the catalogue marks as accepting images."""
    team, key = setup
    chatbot = simple_chatbot(team)
    jpeg_url = "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()
    with use_fake_llm(what_the_model_saw) as fake:
        completion = client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[image_message("What is this?", PNG_URL, jpeg_url)]
        )
    assert (
        completion.choices[0].message.content == f"I see image/png of {len(PNG)} bytes, image/jpeg of {len(JPEG)} bytes"
    )
    text, png, jpeg = fake.calls[0][-1].content
    assert text["text"].startswith("What is this?\n\n### Attached image: image-0-1.png (image/png)")
    assert png == {"type": "image", "base64": base64.b64encode(PNG).decode(), "mime_type": "image/png"}
    assert jpeg["base64"] == base64.b64encode(JPEG).decode()
    # Stored as the conversation's private files, attached to the participant's message.
    session = ExperimentSession.objects.get(public_id=completion.id)
    files = list(File.objects.filter(session=session))
    assert [(f.team_id, f.content_type, f.size) for f in files] == [
        (team.pk, "image/png", len(PNG)),
        (team.pk, "image/jpeg", len(JPEG)),
    ]
    human = session.chat.messages.get(message_type="human")
    assert [a["file_id"] for a in human.attachments] == [f.pk for f in files]
    assert files[0].file.read() == PNG


def test_a_streamed_request_sends_the_image_too(live_server, setup):
    team, key = setup
    chatbot = simple_chatbot(team)
    with use_fake_llm(what_the_model_saw):
        stream = client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[image_message("And this?", PNG_URL)], stream=True
        )
        reply = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert reply == f"I see image/png of {len(PNG)} bytes"


def test_earlier_images_are_stored_with_their_message_and_not_sent_again(live_server, setup):
    team, key = setup
    chatbot = simple_chatbot(team)
    messages = [
        image_message("Look", PNG_URL),
        {"role": "assistant", "content": "A picture"},
        {"role": "user", "content": "What colour was it?"},
    ]
    with use_fake_llm(what_the_model_saw):
        completion = client_for(live_server, chatbot, key).chat.completions.create(model="m", messages=messages)
    assert completion.choices[0].message.content == "I see no image"
    session = ExperimentSession.objects.get(public_id=completion.id)
    first = session.chat.messages.order_by("id").first()
    assert first.content == "Look"
    assert [a["content_type"] for a in first.attachments] == ["image/png"]


def test_a_model_without_vision_refuses_images_in_openais_shape(live_server, setup, media):
    team, key = setup
    text_only = LlmProviderModel.objects.create(team=team, type="openai", name="text-only", max_token_limit=8000)
    chatbot = create_simple_chatbot(
        team=team, name="Texts", prompt="Hi", provider=LlmProviderFactory(team=team), model=text_only
    )
    with pytest.raises(BadRequestError) as info, use_fake_llm("unseen") as fake:
        client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[image_message("What is this?", PNG_URL)]
        )
    assert info.value.status_code == 400
    assert info.value.body == {
        "message": "Only text messages are supported",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "invalid",
    }
    assert not fake.calls
    assert not ExperimentSession.objects.exists()
    assert not File.objects.exists()
    assert not stored_bytes(media)


@pytest.mark.parametrize(
    ("url", "param", "message"),
    [
        ("https://example.com/cat.png", "url", "not links"),
        ("data:image/png;base64,@@@", "url", "base64 is not valid"),
        ("data:application/pdf;base64,JVBERi0=", "url", "not an image type"),
        (
            "data:image/png;base64," + base64.b64encode(b"just some text").decode(),
            "url",
            "not an image of type image/png",
        ),
        ("data:image/png,rawbytes", "url", "Not a base64 data URL"),
    ],
)
def test_bad_images_are_refused_before_anything_is_stored(live_server, setup, media, url, param, message):
    team, key = setup
    chatbot = simple_chatbot(team)
    with pytest.raises(BadRequestError) as info, use_fake_llm("unseen"):
        client_for(live_server, chatbot, key).chat.completions.create(
            model="m", messages=[image_message("What is this?", url)]
        )
    assert info.value.body["param"] == f"messages[0].content[1].image_url.{param}"
    assert message in info.value.body["message"]
    assert not ExperimentSession.objects.exists()
    assert not stored_bytes(media)


def test_images_only_in_user_messages(live_server, setup):
    team, key = setup
    chatbot = simple_chatbot(team)
    messages = [{**image_message("x", PNG_URL), "role": "assistant"}, {"role": "user", "content": "hi"}]
    with pytest.raises(BadRequestError) as info, use_fake_llm("unseen"):
        client_for(live_server, chatbot, key).chat.completions.create(model="m", messages=messages)
    assert info.value.body["param"] == "messages[0].content"


@pytest.mark.parametrize("stream", [False, True])
def test_a_failed_request_leaves_no_file_behind(live_server, setup, media, stream):
    team, key = setup
    chatbot = simple_chatbot(team)
    client = client_for(live_server, chatbot, key)
    messages = [
        image_message("Earlier", PNG_URL),
        {"role": "assistant", "content": "ok"},
        image_message("Now", PNG_URL),
    ]
    with use_fake_llm(RuntimeError("the provider is down")):
        if stream:
            with pytest.raises(APIError, match="the provider is down"):  # answered 200, then an error event
                list(client.chat.completions.create(model="m", messages=messages, stream=True))
        else:
            with pytest.raises(APIStatusError) as info:
                client.chat.completions.create(model="m", messages=messages)
            assert info.value.status_code == 502
    assert not ExperimentSession.objects.exists()
    assert not File.objects.exists()
    assert not stored_bytes(media)


def test_a_request_over_the_body_limit_is_a_413_in_openais_shape(live_server, setup, settings):
    team, key = setup
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = "data:image/png;base64," + base64.b64encode(PNG + b"\0" * 2000).decode()
    with pytest.raises(APIStatusError) as info, use_fake_llm("unseen"):
        client_for(live_server, simple_chatbot(team), key).chat.completions.create(
            model="m", messages=[image_message("x", big)]
        )
    assert info.value.status_code == 413
    assert info.value.body["message"].startswith("The request is larger than 1000 bytes")
