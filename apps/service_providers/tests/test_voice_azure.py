"""Azure AI Speech adapter against a fake server speaking the Speech REST APIs (TTS and short-audio STT)."""

from xml.etree import ElementTree

import pytest

from apps.service_providers.errors import (
    AuthenticationFailed,
    InvalidRequest,
    ModelNotFound,
    ProviderConfigError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from apps.service_providers.tests.fake_http import FakeResponse
from apps.service_providers.voice.azure_voice import PROVIDER, AzureVoice, output_mime_type
from apps.service_providers.voice.base import CallPolicy

FAST = CallPolicy(timeout_seconds=2.0, retries=2, backoff_seconds=0.01, max_backoff_seconds=0.02)
TTS = "/cognitiveservices/v1"
STT = "/speech/recognition/conversation/cognitiveservices/v1"
SSML_NS = "{http://www.w3.org/2001/10/synthesis}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def make_adapter(fake_server, policy=FAST, **overrides):
    settings = {"subscription_key": "azure-key", "region": "westeurope", "endpoint": fake_server.url, **overrides}
    return PROVIDER.build(settings, name="Team Azure", policy=policy)


def test_synthesize_posts_ssml_with_key_and_format(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"mp3-bytes", {"Content-Type": "audio/mpeg"}))

    speech = make_adapter(fake_server).synthesize("Fish & chips <3", voice="en-GB-SoniaNeural")

    assert speech == type(speech)(audio=b"mp3-bytes", mime_type="audio/mpeg")
    [request] = fake_server.requests_to(TTS)
    assert request.headers["ocp-apim-subscription-key"] == "azure-key"
    assert request.headers["x-microsoft-outputformat"] == "audio-24khz-48kbitrate-mono-mp3"
    assert request.headers["content-type"] == "application/ssml+xml"
    assert request.headers["user-agent"]
    speak = ElementTree.fromstring(request.body)
    assert speak.tag == f"{SSML_NS}speak"
    assert speak.get(XML_LANG) == "en-GB"  # taken from the voice name
    voice = speak.find(f"{SSML_NS}voice")
    assert voice.get("name") == "en-GB-SoniaNeural"
    assert voice.text == "Fish & chips <3"  # escaped on the wire, intact after parsing


def test_synthesize_ogg_format_and_voice_without_locale(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"OggS", {"Content-Type": "audio/ogg"}))

    speech = make_adapter(fake_server, output_format="ogg-24khz-16bit-mono-opus", default_language="fr-FR").synthesize(
        "Bonjour", voice="CustomVoice"
    )

    assert speech.mime_type == "audio/ogg"
    request = fake_server.requests[0]
    assert request.headers["x-microsoft-outputformat"] == "ogg-24khz-16bit-mono-opus"
    assert ElementTree.fromstring(request.body).get(XML_LANG) == "fr-FR"


@pytest.mark.parametrize(
    ("output_format", "mime_type"),
    [
        ("audio-16khz-32kbitrate-mono-mp3", "audio/mpeg"),
        ("riff-24khz-16bit-mono-pcm", "audio/wav"),
        ("webm-24khz-16bit-mono-opus", "audio/webm"),
        ("raw-8khz-8bit-mono-mulaw", "audio/basic"),
        ("raw-16khz-16bit-mono-pcm", "audio/pcm"),
    ],
)
def test_output_mime_types(output_format, mime_type):
    assert output_mime_type(output_format) == mime_type


def test_transcribe_posts_wav_with_language(fake_server):
    answer = {"RecognitionStatus": "Success", "DisplayText": "Hello world.", "Offset": 300000, "Duration": 9000000}
    fake_server.route("POST", STT, FakeResponse(200, answer))

    result = make_adapter(fake_server).transcribe(b"RIFF....WAVEfmt ", mime_type="audio/x-wav", language="en-GB")

    assert result.text == "Hello world."
    assert result.language == "en-GB"
    [request] = fake_server.requests_to(STT)
    assert request.query == {"language": ["en-GB"], "format": ["simple"]}
    assert request.headers["ocp-apim-subscription-key"] == "azure-key"
    assert request.headers["content-type"] == "audio/wav; codecs=audio/pcm; samplerate=16000"
    assert request.headers["accept"] == "application/json"
    assert request.body == b"RIFF....WAVEfmt "


def test_transcribe_ogg_uses_default_language(fake_server):
    fake_server.route("POST", STT, FakeResponse(200, {"RecognitionStatus": "Success", "DisplayText": "Hallo."}))

    result = make_adapter(fake_server, default_language="de-DE").transcribe(b"OggS", mime_type="audio/ogg; codecs=opus")

    assert result == type(result)(text="Hallo.", language="de-DE")
    request = fake_server.requests[0]
    assert request.query["language"] == ["de-DE"]
    assert request.headers["content-type"] == "audio/ogg; codecs=opus"


@pytest.mark.parametrize("status", ["NoMatch", "InitialSilenceTimeout"])
def test_transcribe_silence_is_empty_text(fake_server, status):
    fake_server.route("POST", STT, FakeResponse(200, {"RecognitionStatus": status, "Offset": 0, "Duration": 0}))

    assert make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav").text == ""


def test_transcribe_recognition_error_is_unavailable(fake_server):
    fake_server.route("POST", STT, FakeResponse(200, {"RecognitionStatus": "Error"}))

    with pytest.raises(ProviderUnavailable, match="could not recognize the audio: Error"):
        make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav")


def test_transcribe_refuses_formats_the_api_does_not_take(fake_server):
    with pytest.raises(InvalidRequest, match="accepts WAV or Ogg/Opus audio"):
        make_adapter(fake_server).transcribe(b"ID3", mime_type="audio/mpeg")

    assert fake_server.requests == []


def test_rejected_key_is_authentication_failed(fake_server):
    body = {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}}
    fake_server.route("POST", TTS, FakeResponse(401, body))

    with pytest.raises(AuthenticationFailed) as caught:
        make_adapter(fake_server).synthesize("Hi", voice="en-US-AvaNeural")

    assert str(caught.value) == (
        "The API key for provider 'Team Azure' was rejected: Access denied due to invalid subscription key."
    )
    assert len(fake_server.requests) == 1


def test_unknown_voice_is_model_not_found(fake_server):
    fake_server.route("POST", TTS, FakeResponse(404, b""))

    with pytest.raises(ModelNotFound, match="Voice 'en-US-NobodyNeural' does not exist at provider 'Team Azure'"):
        make_adapter(fake_server).synthesize("Hi", voice="en-US-NobodyNeural")


def test_rate_limit_is_retried_then_succeeds(fake_server):
    fake_server.route(
        "POST",
        STT,
        [
            FakeResponse(429, {"error": {"code": "429", "message": "Too many requests"}}),
            FakeResponse(200, {"RecognitionStatus": "Success", "DisplayText": "OK."}),
        ],
    )

    assert make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav").text == "OK."
    assert len(fake_server.requests_to(STT)) == 2


def test_server_error_is_retried_then_unavailable(fake_server):
    fake_server.route("POST", TTS, FakeResponse(502, b"Bad gateway"))

    with pytest.raises(ProviderUnavailable, match="failed with HTTP 502: Bad gateway"):
        make_adapter(fake_server).synthesize("Hi", voice="en-US-AvaNeural")

    assert len(fake_server.requests_to(TTS)) == 3


def test_slow_answer_is_provider_timeout(fake_server):
    fake_server.route("POST", TTS, FakeResponse(200, b"late", delay=1.0))
    policy = CallPolicy(timeout_seconds=0.2, retries=2, backoff_seconds=0.01)

    with pytest.raises(ProviderTimeout, match="'Team Azure' did not answer within 0.2 seconds"):
        make_adapter(fake_server, policy=policy).synthesize("Hi", voice="en-US-AvaNeural")

    assert len(fake_server.requests_to(TTS)) == 1


def test_answer_that_is_not_json_is_a_provider_error(fake_server):
    fake_server.route("POST", STT, FakeResponse(200, b"<html>proxy login</html>", {"Content-Type": "text/html"}))

    with pytest.raises(ProviderError, match="not a JSON object"):
        make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav")


def test_redirect_is_not_followed(fake_server):
    fake_server.route("POST", TTS, FakeResponse(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"}))

    with pytest.raises(ProviderConfigError, match="answered with a redirect \\(HTTP 302\\).*check the base URL"):
        make_adapter(fake_server).synthesize("Hi", voice="en-US-AvaNeural")

    assert len(fake_server.requests) == 1


def test_test_connection_lists_voices(fake_server):
    voices = [
        {"ShortName": "en-US-AvaNeural", "Locale": "en-US"},
        {"ShortName": "de-DE-KatjaNeural", "Locale": "de-DE"},
    ]
    fake_server.route("GET", "/cognitiveservices/voices/list", FakeResponse(200, voices))

    message = make_adapter(fake_server).test_connection()

    assert message == "Connected to 'Team Azure' (region westeurope); 2 voices available"
    assert fake_server.requests[0].headers["ocp-apim-subscription-key"] == "azure-key"


def test_public_endpoints_are_built_from_region():
    adapter = PROVIDER.build({"subscription_key": "k", "region": "eastus2"})

    assert isinstance(adapter, AzureVoice)
    assert adapter._base("tts") == "https://eastus2.tts.speech.microsoft.com"
    assert adapter._base("stt") == "https://eastus2.stt.speech.microsoft.com"


@pytest.mark.parametrize("region", ["evil.example.com/x", "West Europe", ""])
def test_region_must_be_a_plain_id(region):
    with pytest.raises(ProviderConfigError, match="region"):
        PROVIDER.build({"subscription_key": "k", "region": region})
