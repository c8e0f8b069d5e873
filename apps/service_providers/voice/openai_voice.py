"""OpenAI speech: `POST /v1/audio/transcriptions` (STT) and `POST /v1/audio/speech` (TTS) through the
official SDK. A different base URL serves OpenAI-compatible speech servers (Speaches, LocalAI, vLLM).

The SDK's own retries are off so every adapter retries the same way (`call_with_retries`), and the
SDK gets its HTTP client from the project's one seam.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from apps.service_providers.http import check_url_allowed, http_client
from apps.service_providers.voice.base import (
    DEFAULT_POLICY,
    CallPolicy,
    SynthesizedSpeech,
    Transcription,
    VoiceAdapter,
    VoiceProviderType,
    audio_filename,
    call_with_retries,
    detail_from_body,
    status_error,
)

if TYPE_CHECKING:
    from openai import OpenAI

T = TypeVar("T")

AudioFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]

MIME_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",  # OpenAI wraps Opus in an Ogg container
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",  # raw 24 kHz 16-bit little-endian mono
}


class Settings(ProviderSettings):
    api_key: SecretStr = Field(
        min_length=1, title="API key", description="An OpenAI API key (or any key the compatible server accepts)."
    )
    base_url: str = Field(
        "https://api.openai.com/v1",
        title="Base URL",
        description="Change only for an OpenAI-compatible speech server.",
    )
    transcription_model: str = Field(
        "gpt-4o-mini-transcribe",
        title="Speech-to-text model",
        description="For example gpt-4o-mini-transcribe, gpt-4o-transcribe or whisper-1.",
    )
    speech_model: str = Field(
        "gpt-4o-mini-tts", title="Text-to-speech model", description="For example gpt-4o-mini-tts, tts-1 or tts-1-hd."
    )
    audio_format: AudioFormat = Field("mp3", title="Audio format", description="Format of the synthesized speech.")


def _translate(error: Exception, *, provider: str, model: str, timeout: float) -> ProviderError:
    import openai

    if isinstance(error, openai.APITimeoutError):
        return ProviderTimeout(f"Provider '{provider}' did not answer within {timeout:g} seconds", provider=provider)
    if isinstance(error, openai.APIConnectionError):
        return ProviderUnavailable(f"Could not reach provider '{provider}': {error}", provider=provider)
    if isinstance(error, openai.APIStatusError):
        detail = detail_from_body(error.body) or error.message
        return status_error(error.status_code, provider=provider, detail=detail, model=model)
    return ProviderError(f"Provider '{provider}' failed: {error}", provider=provider)


class OpenAIVoice(VoiceAdapter):
    def __init__(self, settings: Settings, *, name: str, policy: CallPolicy = DEFAULT_POLICY) -> None:
        super().__init__(name=name, policy=policy)
        self.settings = settings
        self._sdk_client: OpenAI | None = None

    def _client(self) -> OpenAI:
        if self._sdk_client is None:
            from openai import OpenAI

            check_url_allowed(self.settings.base_url)
            self._sdk_client = OpenAI(
                api_key=self.settings.api_key.get_secret_value(),
                base_url=self.settings.base_url,
                max_retries=0,
                timeout=self.policy.timeout_seconds,
                # The SDK accepts a classic httpx client at run time; its annotations name only httpx2.
                http_client=http_client(timeout=self.policy.timeout_seconds),  # type: ignore[arg-type]
            )
        return self._sdk_client

    def _call(self, operation: Callable[[OpenAI], T], *, model: str = "") -> T:
        import openai

        def attempt() -> T:
            try:
                return operation(self._client())
            except openai.OpenAIError as error:
                raise _translate(error, provider=self.name, model=model, timeout=self.policy.timeout_seconds) from error

        return call_with_retries(self.policy, attempt)

    def transcribe(self, audio: bytes, *, mime_type: str, language: str | None = None) -> Transcription:
        self._check_audio(audio)
        model = self.settings.transcription_model
        extra: dict[str, Any] = {}
        if language:
            # The API takes ISO-639-1 ("en"); callers may hold a locale ("en-US").
            extra["language"] = language.split("-", 1)[0].lower()
        result = self._call(
            lambda client: client.audio.transcriptions.create(
                model=model, file=(audio_filename(mime_type), audio, mime_type), **extra
            ),
            model=model,
        )
        return Transcription(text=getattr(result, "text", str(result)).strip(), language=language)

    def synthesize(self, text: str, *, voice: str) -> SynthesizedSpeech:
        self._check_text(text, voice)
        model = self.settings.speech_model
        audio_format = self.settings.audio_format
        response = self._call(
            lambda client: (
                client.audio.speech.create(model=model, input=text, voice=voice, response_format=audio_format).content
            ),
            model=model,
        )
        return SynthesizedSpeech(audio=response, mime_type=MIME_TYPES[audio_format])

    def test_connection(self) -> str:
        available = self._call(lambda client: {model.id for model in client.models.list()})
        wanted = [self.settings.transcription_model, self.settings.speech_model]
        missing = [model for model in wanted if model not in available]
        if missing:
            return f"Connected to '{self.name}', but it does not list model(s): {', '.join(missing)}"
        return f"Connected to '{self.name}'; models {' and '.join(wanted)} are available"


PROVIDER = VoiceProviderType(
    slug="openai",
    label="OpenAI",
    settings_model=Settings,
    factory=OpenAIVoice,
    supports_stt=True,
    supports_tts=True,
    description="OpenAI speech-to-text and text-to-speech, or any OpenAI-compatible speech server.",
)
