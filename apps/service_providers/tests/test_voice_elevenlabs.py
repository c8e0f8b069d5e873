"""ElevenLabs adapter against a fake server speaking the ElevenLabs TTS and Scribe APIs."""

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from apps.service_providers.errors import (
    AuthenticationFailed,
    InvalidRequest,
    ModelNotFound,
    ProviderTimeout,
    ProviderUnavailable,
)
from apps.service_providers.tests.fake_http import FakeResponse
from apps.service_providers.voice.base import CallPolicy
from apps.service_providers.voice.elevenlabs import PROVIDER

FAST = CallPolicy(timeout_seconds=2.0, retries=2, backoff_seconds=0.01, max_backoff_seconds=0.02)
VOICE_ID = "21m00Tcm4TlvDq8ikWAM"
TTS = r"/v1/text-to-speech/[^/]+"
STT = "/v1/speech-to-text"


def make_adapter(fake_server, policy=FAST, **overrides):
    return PROVIDER.build({"api_key": "xi-test", "base_url": fake_server.url, **overrides}, policy=policy)


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


def detail(status: str, message: str) -> dict:
    return {"detail": {"status": status, "message": message}}


def test_synthesize_posts_text_and_model_to_voice(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"ID3-eleven", {"Content-Type": "audio/mpeg"}))

    speech = make_adapter(fake_server).synthesize("Hello there", voice=VOICE_ID)

    assert speech.audio == b"ID3-eleven"
    assert speech.mime_type == "audio/mpeg"
    [request] = fake_server.requests
    assert request.path == f"/v1/text-to-speech/{VOICE_ID}"
    assert request.query == {"output_format": ["mp3_44100_128"]}
    assert request.headers["xi-api-key"] == "xi-test"
    assert request.headers["accept"] == "audio/mpeg"
    assert request.json() == {"text": "Hello there", "model_id": "eleven_multilingual_v2"}


def test_synthesize_pcm_with_other_model(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"\x00\x01", {"Content-Type": "audio/pcm"}))

    speech = make_adapter(fake_server, speech_model="eleven_flash_v2_5", output_format="pcm_16000").synthesize(
        "Hi", voice=VOICE_ID
    )

    assert speech.mime_type == "audio/pcm"
    request = fake_server.requests[0]
    assert request.query == {"output_format": ["pcm_16000"]}
    assert request.json()["model_id"] == "eleven_flash_v2_5"


def test_voice_id_cannot_escape_its_path_segment(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"audio", {"Content-Type": "audio/mpeg"}))

    make_adapter(fake_server).synthesize("Hi", voice="../../v1/user?x=1")

    assert fake_server.requests[0].path == "/v1/text-to-speech/..%2F..%2Fv1%2Fuser%3Fx%3D1"


def test_transcribe_posts_scribe_multipart(fake_server):
    answer = {"language_code": "eng", "language_probability": 0.98, "text": " Hello there. ", "words": []}
    fake_server.route("POST", STT, FakeResponse(200, answer))

    result = make_adapter(fake_server).transcribe(b"OggS-audio", mime_type="audio/ogg", language="en-GB")

    assert result.text == "Hello there."
    assert result.language == "eng"  # what Scribe detected, in its own code
    [request] = fake_server.requests_to(STT)
    assert request.headers["xi-api-key"] == "xi-test"
    fields = multipart_fields(request)
    assert fields["model_id"][2] == b"scribe_v1"
    assert fields["language_code"][2] == b"en"
    assert fields["file"] == ("audio.ogg", "audio/ogg", b"OggS-audio")


def test_transcribe_without_language_lets_scribe_detect(fake_server):
    fake_server.route("POST", STT, FakeResponse(200, {"language_code": "spa", "text": "hola"}))

    result = make_adapter(fake_server).transcribe(b"ID3", mime_type="audio/mpeg")

    assert (result.text, result.language) == ("hola", "spa")
    assert "language_code" not in multipart_fields(fake_server.requests[0])


def test_rejected_key_is_authentication_failed(fake_server):
    fake_server.route("POST", TTS, FakeResponse(401, detail("invalid_api_key", "Invalid API key")))

    with pytest.raises(AuthenticationFailed) as caught:
        make_adapter(fake_server).synthesize("Hi", voice=VOICE_ID)

    assert str(caught.value) == "The API key for provider 'ElevenLabs' was rejected: Invalid API key"
    assert len(fake_server.requests) == 1


def test_unknown_voice_is_model_not_found(fake_server):
    fake_server.route("POST", TTS, FakeResponse(404, detail("voice_not_found", "A voice with that ID was not found.")))

    with pytest.raises(ModelNotFound, match="Voice 'missing-voice' does not exist at provider 'ElevenLabs'"):
        make_adapter(fake_server).synthesize("Hi", voice="missing-voice")


def test_unknown_transcription_model_is_model_not_found(fake_server):
    fake_server.route("POST", STT, FakeResponse(404, detail("model_not_found", "Model not found")))

    with pytest.raises(ModelNotFound, match="Model 'scribe_v9' does not exist"):
        make_adapter(fake_server, transcription_model="scribe_v9").transcribe(b"OggS", mime_type="audio/ogg")


def test_validation_error_is_invalid_request(fake_server):
    body = {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}
    fake_server.route("POST", TTS, FakeResponse(422, body))

    with pytest.raises(InvalidRequest, match=r"\(HTTP 422\): field required"):
        make_adapter(fake_server).synthesize("Hi", voice=VOICE_ID)


def test_rate_limit_is_retried_then_succeeds(fake_server):
    busy = FakeResponse(429, detail("too_many_concurrent_requests", "Too many concurrent requests"))
    fake_server.route("POST", TTS, [busy, FakeResponse(200, b"audio", {"Content-Type": "audio/mpeg"})])

    assert make_adapter(fake_server).synthesize("Hi", voice=VOICE_ID).audio == b"audio"
    assert len(fake_server.requests) == 2


def test_multipart_upload_is_resent_intact_on_retry(fake_server):
    fake_server.route(
        "POST",
        STT,
        [FakeResponse(503, detail("system_busy", "Busy")), FakeResponse(200, {"language_code": "eng", "text": "ok"})],
    )

    assert make_adapter(fake_server).transcribe(b"OggS-audio", mime_type="audio/ogg").text == "ok"
    first, second = fake_server.requests_to(STT)
    assert multipart_fields(first)["file"] == multipart_fields(second)["file"]


def test_server_error_is_retried_then_unavailable(fake_server):
    fake_server.route("POST", TTS, FakeResponse(500, detail("internal_error", "Something broke")))

    with pytest.raises(ProviderUnavailable, match="failed with HTTP 500: Something broke"):
        make_adapter(fake_server).synthesize("Hi", voice=VOICE_ID)

    assert len(fake_server.requests) == 3


def test_slow_answer_is_provider_timeout(fake_server):
    fake_server.route("POST", STT, FakeResponse(200, {"text": "late"}, delay=1.0))
    policy = CallPolicy(timeout_seconds=0.2, retries=2, backoff_seconds=0.01)

    with pytest.raises(ProviderTimeout, match="'ElevenLabs' did not answer within 0.2 seconds"):
        make_adapter(fake_server, policy=policy).transcribe(b"OggS", mime_type="audio/ogg")

    assert len(fake_server.requests) == 1


def test_test_connection_checks_the_model(fake_server):
    models = [{"model_id": "eleven_multilingual_v2", "name": "Eleven Multilingual v2", "can_do_text_to_speech": True}]
    fake_server.route("GET", "/v1/models", FakeResponse(200, models))

    assert make_adapter(fake_server).test_connection() == (
        "Connected to 'ElevenLabs'; model eleven_multilingual_v2 is available"
    )
    assert fake_server.requests[0].headers["xi-api-key"] == "xi-test"
    assert "does not list model 'eleven_v3'" in make_adapter(fake_server, speech_model="eleven_v3").test_connection()
