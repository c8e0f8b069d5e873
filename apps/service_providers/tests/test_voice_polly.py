"""Amazon Polly adapter: real boto3 pointed at a fake server speaking Polly's REST-JSON protocol."""

import pytest

from apps.service_providers.errors import (
    AuthenticationFailed,
    InvalidRequest,
    ModelNotFound,
    ProviderConfigError,
    ProviderTimeout,
    ProviderUnavailable,
)
from apps.service_providers.tests.fake_http import FakeResponse
from apps.service_providers.voice.aws_polly import PROVIDER
from apps.service_providers.voice.base import CallPolicy

FAST = CallPolicy(timeout_seconds=2.0, retries=2, backoff_seconds=0.01, max_backoff_seconds=0.02)
SPEECH = "/v1/speech"
AUDIO = FakeResponse(200, b"ID3-polly", {"Content-Type": "audio/mpeg", "x-amzn-RequestCharacters": "2"})


def make_adapter(fake_server, policy=FAST, **overrides):
    settings = {
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "secret-example",
        "region": "eu-west-1",
        "endpoint_url": fake_server.url,
        **overrides,
    }
    return PROVIDER.build(settings, policy=policy)


def aws_error(status: int, code: str, message: str) -> FakeResponse:
    return FakeResponse(
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazonaws.polly.v1/"},
    )


def test_synthesize_sends_signed_rest_json(fake_server):
    fake_server.route("POST", SPEECH, AUDIO)

    speech = make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert speech.audio == b"ID3-polly"
    assert speech.mime_type == "audio/mpeg"
    [request] = fake_server.requests_to(SPEECH)
    assert request.json() == {"Engine": "neural", "OutputFormat": "mp3", "Text": "Hi", "VoiceId": "Joanna"}
    authorization = request.headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/polly/aws4_request" in authorization
    assert "x-amz-date" in request.headers
    assert "chatstudio-voice" in request.headers["user-agent"]


def test_synthesize_with_other_engine_and_format(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(200, b"OggS", {"Content-Type": "audio/ogg"}))

    speech = make_adapter(fake_server, engine="generative", output_format="ogg_opus").synthesize("Hallo", voice="Vicki")

    assert speech.mime_type == "audio/ogg"
    body = fake_server.requests[0].json()
    assert (body["Engine"], body["OutputFormat"], body["VoiceId"]) == ("generative", "ogg_opus", "Vicki")


def test_polly_has_no_speech_to_text(fake_server):
    with pytest.raises(InvalidRequest, match="does not offer speech-to-text"):
        make_adapter(fake_server).transcribe(b"RIFF", mime_type="audio/wav")

    assert fake_server.requests == []


@pytest.mark.parametrize(
    "response",
    [
        FakeResponse(401, {"message": "Unauthorized"}),
        aws_error(403, "UnrecognizedClientException", "The security token included in the request is invalid."),
        aws_error(400, "InvalidSignatureException", "The request signature we calculated does not match."),
    ],
)
def test_rejected_credentials_are_authentication_failed(fake_server, response):
    fake_server.route("POST", SPEECH, response)

    with pytest.raises(AuthenticationFailed, match="The API key for provider 'Amazon Polly' was rejected"):
        make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert len(fake_server.requests) == 1


def test_error_code_and_message_reach_the_user(fake_server):
    fake_server.route("POST", SPEECH, aws_error(403, "UnrecognizedClientException", "The security token is invalid."))

    with pytest.raises(AuthenticationFailed) as caught:
        make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert str(caught.value).endswith(": UnrecognizedClientException: The security token is invalid.")


@pytest.mark.parametrize(
    "response",
    [
        aws_error(404, "ResourceNotFoundException", "Voice not found"),
        aws_error(
            400,
            "ValidationException",
            "1 validation error detected: Value 'Nobody' at 'voiceId' failed to satisfy constraint",
        ),
    ],
)
def test_unknown_voice_is_model_not_found(fake_server, response):
    fake_server.route("POST", SPEECH, response)

    with pytest.raises(ModelNotFound, match="Voice 'Nobody' does not exist at provider 'Amazon Polly'"):
        make_adapter(fake_server).synthesize("Hi", voice="Nobody")


def test_engine_not_supported_is_invalid_request(fake_server):
    fake_server.route(
        "POST", SPEECH, aws_error(400, "EngineNotSupportedException", "This voice does not support the engine")
    )

    with pytest.raises(InvalidRequest, match="EngineNotSupportedException"):
        make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert len(fake_server.requests) == 1


@pytest.mark.parametrize(
    "throttled",
    [
        FakeResponse(429, {"message": "Too many requests"}),
        aws_error(400, "ThrottlingException", "Rate exceeded"),
    ],
)
def test_throttling_is_retried_then_succeeds(fake_server, throttled):
    fake_server.route("POST", SPEECH, [throttled, AUDIO])

    speech = make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert speech.audio == b"ID3-polly"
    assert len(fake_server.requests_to(SPEECH)) == 2  # botocore's own retries are off: our policy decides


def test_service_failure_is_retried_then_unavailable(fake_server):
    fake_server.route("POST", SPEECH, aws_error(500, "ServiceFailureException", "Internal failure"))

    with pytest.raises(ProviderUnavailable, match="HTTP 500: ServiceFailureException: Internal failure"):
        make_adapter(fake_server).synthesize("Hi", voice="Joanna")

    assert len(fake_server.requests_to(SPEECH)) == 3


def test_slow_answer_is_provider_timeout(fake_server):
    fake_server.route("POST", SPEECH, FakeResponse(200, b"late", {"Content-Type": "audio/mpeg"}, delay=1.0))
    policy = CallPolicy(timeout_seconds=0.2, retries=2, backoff_seconds=0.01)

    with pytest.raises(ProviderTimeout, match="'Amazon Polly' did not answer within 0.2 seconds"):
        make_adapter(fake_server, policy=policy).synthesize("Hi", voice="Joanna")

    assert len(fake_server.requests_to(SPEECH)) == 1


def test_test_connection_describes_voices(fake_server):
    voices = {"Voices": [{"Id": "Joanna", "LanguageCode": "en-US", "SupportedEngines": ["neural"]}]}
    fake_server.route("GET", "/v1/voices", FakeResponse(200, voices))

    message = make_adapter(fake_server).test_connection()

    assert message == "Connected to 'Amazon Polly' (region eu-west-1); 1 voices for the neural engine"
    assert fake_server.requests[0].query["Engine"] == ["neural"]


@pytest.mark.parametrize("region", ["eu-west-1.evil.com", "EU", ""])
def test_region_must_be_an_aws_region_id(region):
    with pytest.raises(ProviderConfigError, match="region"):
        PROVIDER.build({"access_key_id": "AKID", "secret_access_key": "s", "region": region})
