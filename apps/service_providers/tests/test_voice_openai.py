"""OpenAI voice adapter against a fake server speaking the OpenAI audio API."""

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from apps.service_providers.errors import (
    AuthenticationFailed,
    ModelNotFound,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from apps.service_providers.tests.fake_http import FakeResponse
from apps.service_providers.voice.base import CallPolicy
from apps.service_providers.voice.openai_voice import PROVIDER

FAST = CallPolicy(timeout_seconds=2.0, retries=2, backoff_seconds=0.01, max_backoff_seconds=0.02)
SPEECH = "/v1/audio/speech"
TRANSCRIPTIONS = "/v1/audio/transcriptions"


def make_adapter(fake_server, policy=FAST, **overrides):
    settings = {"api_key": "sk-test", "base_url": f"{fake_server.url}/v1", **overrides}
    return PROVIDER.build(settings, policy=policy)


def multipart_fields(request) -> dict[str, tuple[str | None, str, Any]]:
    """name -> (filename, content type, payload) of a multipart/form-data body."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    return {
        str(part.get_param("name", header="content-disposition")): (
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def error_body(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


def test_synthesize_sends_json_and_returns_audio(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(200, b"ID3-fake-mp3", {"Content-Type": "audio/mpeg"}))

    speech = make_adapter(fake_server, speech_model="tts-1").synthesize("Hello there", voice="alloy")

    assert speech.audio == b"ID3-fake-mp3"
    assert speech.mime_type == "audio/mpeg"
    [request] = fake_server.requests_to(SPEECH)
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.json() == {"model": "tts-1", "input": "Hello there", "voice": "alloy", "response_format": "mp3"}


def test_synthesize_opus_is_labelled_ogg(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(200, b"OggS", {"Content-Type": "audio/ogg"}))

    speech = make_adapter(fake_server, audio_format="opus").synthesize("Hi", voice="nova")

    assert speech.mime_type == "audio/ogg"
    assert fake_server.requests[0].json()["response_format"] == "opus"


def test_transcribe_sends_multipart_with_named_file(fake_server):
    fake_server.route("POST", TRANSCRIPTIONS, FakeResponse(200, {"text": " Hello world. "}))

    result = make_adapter(fake_server, transcription_model="whisper-1").transcribe(
        b"OggS-audio", mime_type="audio/ogg; codecs=opus", language="en-US"
    )

    assert result.text == "Hello world."
    assert result.language == "en-US"
    [request] = fake_server.requests_to(TRANSCRIPTIONS)
    assert request.headers["authorization"] == "Bearer sk-test"
    fields = multipart_fields(request)
    assert fields["model"][2] == b"whisper-1"
    assert fields["language"][2] == b"en"
    filename, _content_type, payload = fields["file"]
    assert filename == "audio.ogg"  # the API infers the format from the extension
    assert payload == b"OggS-audio"


def test_transcribe_without_language_sends_none(fake_server):
    fake_server.route("POST", TRANSCRIPTIONS, FakeResponse(200, {"text": "hola"}))

    result = make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav")

    assert result.text == "hola"
    assert result.language is None
    fields = multipart_fields(fake_server.requests[0])
    assert "language" not in fields
    assert fields["model"][2] == b"gpt-4o-mini-transcribe"
    assert fields["file"][0] == "audio.wav"


def test_rejected_key_is_authentication_failed(fake_server):
    fake_server.route(
        "POST", SPEECH, FakeResponse(401, error_body("Incorrect API key provided: sk-test", "invalid_api_key"))
    )

    with pytest.raises(AuthenticationFailed) as caught:
        make_adapter(fake_server).synthesize("Hi", voice="alloy")

    assert "The API key for provider 'OpenAI' was rejected" in str(caught.value)
    assert "Incorrect API key provided" in str(caught.value)
    assert caught.value.status_code == 401
    assert len(fake_server.requests) == 1


def test_unknown_model_is_model_not_found(fake_server):
    fake_server.route(
        "POST", TRANSCRIPTIONS, FakeResponse(404, error_body("The model `whisper-9` does not exist", "model_not_found"))
    )

    with pytest.raises(ModelNotFound) as caught:
        make_adapter(fake_server, transcription_model="whisper-9").transcribe(b"RIFF", mime_type="audio/wav")

    assert "Model 'whisper-9' does not exist at provider 'OpenAI'" in str(caught.value)


def test_rate_limit_is_retried_then_succeeds(fake_server):
    fake_server.route(
        "POST",
        SPEECH,
        [
            FakeResponse(429, error_body("Rate limit reached", "rate_limit_exceeded")),
            FakeResponse(200, b"audio", {"Content-Type": "audio/mpeg"}),
        ],
    )

    speech = make_adapter(fake_server).synthesize("Hi", voice="alloy")

    assert speech.audio == b"audio"
    assert len(fake_server.requests_to(SPEECH)) == 2


def test_rate_limit_that_persists_is_raised_after_retries(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(429, error_body("Rate limit reached", "rate_limit_exceeded")))

    with pytest.raises(RateLimited):
        make_adapter(fake_server).synthesize("Hi", voice="alloy")

    assert len(fake_server.requests_to(SPEECH)) == 3  # one call + two retries


def test_server_error_is_retried_then_unavailable(fake_server):
    fake_server.route("POST", TRANSCRIPTIONS, FakeResponse(503, error_body("Overloaded", "server_error")))

    with pytest.raises(ProviderUnavailable) as caught:
        make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav")

    assert "HTTP 503" in str(caught.value)
    assert len(fake_server.requests_to(TRANSCRIPTIONS)) == 3


def test_slow_answer_is_provider_timeout_without_retry(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(200, b"late", delay=1.0))
    policy = CallPolicy(timeout_seconds=0.2, retries=2, backoff_seconds=0.01)

    with pytest.raises(ProviderTimeout) as caught:
        make_adapter(fake_server, policy=policy).synthesize("Hi", voice="alloy")

    assert "did not answer within 0.2 seconds" in str(caught.value)
    assert len(fake_server.requests_to(SPEECH)) == 1


def test_test_connection_lists_models(fake_server):
    models = [
        {"id": model, "object": "model", "created": 0, "owned_by": "openai"}
        for model in ("gpt-4o-mini-transcribe", "gpt-4o-mini-tts", "gpt-4o")
    ]
    fake_server.route("GET", "/v1/models", FakeResponse(200, {"object": "list", "data": models}))

    message = make_adapter(fake_server).test_connection()

    assert message == "Connected to 'OpenAI'; models gpt-4o-mini-transcribe and gpt-4o-mini-tts are available"
    assert fake_server.requests[0].headers["authorization"] == "Bearer sk-test"


def test_test_connection_names_missing_models(fake_server):
    models = [{"id": "whisper-1", "object": "model", "created": 0, "owned_by": "openai"}]
    fake_server.route("GET", "/v1/models", FakeResponse(200, {"object": "list", "data": models}))

    message = make_adapter(fake_server).test_connection()

    assert "does not list model(s): gpt-4o-mini-transcribe, gpt-4o-mini-tts" in message
