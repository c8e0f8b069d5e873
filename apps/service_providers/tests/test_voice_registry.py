"""The voice registry and what every adapter shares: settings validation, the address check, input
checks, retry rules and error details."""

import socket

import pytest
from pydantic import SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import (
    InvalidRequest,
    ProviderConfigError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from apps.service_providers.voice import (
    VOICE_PROVIDER_TYPES,
    CallPolicy,
    VoiceAdapter,
    get_voice_provider_type,
    voice_provider_choices,
)
from apps.service_providers.voice.base import audio_filename, call_with_retries, detail_from_body

FAST = CallPolicy(timeout_seconds=1.0, retries=2, backoff_seconds=0.01, max_backoff_seconds=0.02)


REMOTE = ["openai", "azure", "aws_polly", "elevenlabs"]


# Minimal valid settings per type, with every URL the adapter would call aimed at `url`.
def settings_for(slug: str, url: str) -> dict:
    return {
        "openai": {"api_key": "sk-test", "base_url": f"{url}/v1"},
        "azure": {"subscription_key": "key", "region": "westeurope", "endpoint": url},
        "aws_polly": {"access_key_id": "AKID", "secret_access_key": "secret", "endpoint_url": url},
        "elevenlabs": {"api_key": "xi-test", "base_url": url},
    }[slug]


def test_registry_lists_every_provider_under_its_slug():
    assert list(VOICE_PROVIDER_TYPES)[:4] == REMOTE
    assert set(VOICE_PROVIDER_TYPES) == set(REMOTE)
    for slug, provider in VOICE_PROVIDER_TYPES.items():
        assert provider.slug == slug
        assert provider.label
        assert issubclass(provider.settings_model, ProviderSettings)
        assert provider.supports_stt or provider.supports_tts


@pytest.mark.parametrize("slug", list(VOICE_PROVIDER_TYPES))
def test_settings_fields_are_labelled_for_the_form(slug):
    model = VOICE_PROVIDER_TYPES[slug].settings_model
    for name, field in model.model_fields.items():
        assert field.title, f"{slug}.{name} has no title"
    if slug in REMOTE:
        assert model.secret_field_names(), f"{slug} declares no secret"
    schema = model.model_json_schema()
    assert schema["properties"]


def test_secrets_are_masked_in_public_output():
    settings = get_voice_provider_type("elevenlabs").parse_settings({"api_key": "xi-secret"})

    assert isinstance(settings.api_key, SecretStr)
    assert settings.public_dict()["api_key"] == "set"
    assert "xi-secret" not in repr(settings)
    assert settings.to_storage()["api_key"] == "xi-secret"


def test_capabilities():
    assert get_voice_provider_type("aws_polly").supports_stt is False
    assert all(VOICE_PROVIDER_TYPES[slug].supports_tts for slug in VOICE_PROVIDER_TYPES)
    assert voice_provider_choices(stt=True) == [  # the local voice is TTS only
        ("openai", "OpenAI"),
        ("azure", "Azure AI Speech"),
        ("elevenlabs", "ElevenLabs"),
    ]
    assert [slug for slug, _label in voice_provider_choices(tts=True)] == list(VOICE_PROVIDER_TYPES)
    assert ("aws_polly", "Amazon Polly") not in voice_provider_choices(stt=True, tts=True)


def test_unknown_slug_is_a_clear_config_error():
    with pytest.raises(ProviderConfigError, match="Unknown voice provider type 'espeak' \\(known: aws_polly, azure"):
        get_voice_provider_type("espeak")


def test_build_accepts_a_dict_or_a_settings_object():
    provider = get_voice_provider_type("openai")
    from_dict = provider.build({"api_key": "sk-1"}, name="Team voice", policy=FAST)
    from_model = provider.build(provider.settings_model(api_key="sk-1"))

    assert isinstance(from_dict, VoiceAdapter)
    assert (from_dict.name, from_dict.policy) == ("Team voice", FAST)
    assert from_model.name == "OpenAI"


def test_invalid_settings_name_the_field():
    with pytest.raises(ProviderConfigError) as caught:
        get_voice_provider_type("aws_polly").build({"access_key_id": "AKID", "output_format": "wav"})

    message = str(caught.value)
    assert message.startswith("The settings for provider 'Amazon Polly' are invalid: ")
    assert "secret_access_key: Field required" in message
    assert "output_format:" in message


@pytest.mark.parametrize("slug", REMOTE)
def test_private_addresses_are_refused_when_not_allowed(slug, settings, fake_server):
    settings.PROVIDERS_ALLOW_PRIVATE_ADDRESSES = False
    adapter = get_voice_provider_type(slug).build(settings_for(slug, fake_server.url), policy=FAST)

    with pytest.raises(ProviderConfigError, match="private address"):
        adapter.synthesize("Hi", voice="en-US-AvaNeural")

    assert fake_server.requests == []


@pytest.mark.parametrize("slug", REMOTE)
def test_empty_input_is_refused_before_any_call(slug, fake_server):
    adapter = get_voice_provider_type(slug).build(settings_for(slug, fake_server.url), policy=FAST)

    with pytest.raises(InvalidRequest, match="No text"):
        adapter.synthesize("  ", voice="alloy")
    with pytest.raises(InvalidRequest, match="No voice"):
        adapter.synthesize("Hi", voice="")
    if get_voice_provider_type(slug).supports_stt:
        with pytest.raises(InvalidRequest, match="No audio"):
            adapter.transcribe(b"", mime_type="audio/wav")

    assert fake_server.requests == []


@pytest.mark.parametrize("slug", REMOTE)
def test_unreachable_server_is_unavailable(slug):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = get_voice_provider_type(slug).build(settings_for(slug, f"http://127.0.0.1:{port}"), policy=FAST)

    with pytest.raises(ProviderUnavailable, match="Could not reach provider"):
        adapter.synthesize("Hi", voice="en-US-AvaNeural")


class TestRetries:
    def run(self, failures: list[Exception]) -> tuple[str | Exception, int]:
        calls = 0

        def call() -> str:
            nonlocal calls
            calls += 1
            if failures:
                raise failures.pop(0)
            return "ok"

        try:
            return call_with_retries(FAST, call), calls
        except Exception as error:  # noqa: BLE001 - the test inspects what escaped
            return error, calls

    def test_rate_limit_and_unavailable_are_retried(self):
        assert self.run([RateLimited("slow"), ProviderUnavailable("down")]) == ("ok", 3)

    def test_gives_up_after_the_configured_retries(self):
        result, calls = self.run([RateLimited("1"), RateLimited("2"), RateLimited("3"), RateLimited("4")])
        assert (str(result), calls) == ("3", 3)

    @pytest.mark.parametrize("error", [ProviderTimeout("slow"), InvalidRequest("bad"), ProviderConfigError("cfg")])
    def test_other_errors_are_not_retried(self, error):
        assert self.run([error]) == (error, 1)

    def test_zero_retries_means_one_attempt(self):
        error = RateLimited("slow")
        with pytest.raises(RateLimited):
            call_with_retries(CallPolicy(retries=0), lambda: (_ for _ in ()).throw(error))


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"error": {"message": "Incorrect API key", "code": "invalid_api_key"}}, "Incorrect API key"),
        ({"error": "plain"}, "plain"),
        ({"detail": {"status": "voice_not_found", "message": "No such voice"}}, "No such voice"),
        ({"detail": [{"loc": ["body"], "msg": "field required"}]}, "field required"),
        ({"Message": "AWS style"}, "AWS style"),
        ({"unrelated": 1}, ""),
        ("  text body  ", "text body"),
        (None, ""),
    ],
)
def test_detail_from_body(body, detail):
    assert detail_from_body(body) == detail


@pytest.mark.parametrize(
    ("mime_type", "filename"),
    [
        ("audio/ogg; codecs=opus", "audio.ogg"),
        ("audio/mpeg", "audio.mp3"),
        ("audio/x-wav", "audio.wav"),
        ("audio/webm", "audio.webm"),
        ("AUDIO/MP4", "audio.m4a"),
        ("application/octet-stream", "audio.bin"),
    ],
)
def test_audio_filename(mime_type, filename):
    assert audio_filename(mime_type) == filename
