"""ElevenLabs over its REST API: `POST /v1/text-to-speech/{voice_id}` and `POST /v1/speech-to-text`
(Scribe), authenticated with the `xi-api-key` header."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import ProviderError
from apps.service_providers.http import http_client
from apps.service_providers.voice._http import send
from apps.service_providers.voice.base import (
    DEFAULT_POLICY,
    CallPolicy,
    SynthesizedSpeech,
    Transcription,
    VoiceAdapter,
    VoiceProviderType,
    audio_filename,
)

# Output formats are "<codec>_<sample rate>[_<bitrate>]", e.g. mp3_44100_128, pcm_16000, ulaw_8000.
_CODEC_MIME_TYPES = {
    "mp3": "audio/mpeg",
    "pcm": "audio/pcm",
    "wav": "audio/wav",
    "opus": "audio/ogg",
    "ulaw": "audio/basic",
    "alaw": "audio/x-alaw-basic",
}


class Settings(ProviderSettings):
    api_key: SecretStr = Field(
        min_length=1, title="API key", description="An ElevenLabs API key with text-to-speech access."
    )
    base_url: str = Field(
        "https://api.elevenlabs.io",
        title="Base URL",
        description="Change only for a data-residency endpoint, e.g. https://api.eu.residency.elevenlabs.io.",
    )
    speech_model: str = Field(
        "eleven_multilingual_v2",
        title="Text-to-speech model",
        description="For example eleven_multilingual_v2, eleven_flash_v2_5 or eleven_v3.",
    )
    output_format: str = Field(
        "mp3_44100_128",
        pattern=r"^(mp3|pcm|wav|opus|ulaw|alaw)_\d+(_\d+)?$",
        title="Audio format",
        description="codec_samplerate_bitrate, e.g. mp3_44100_128 or pcm_16000.",
    )
    transcription_model: str = Field("scribe_v1", title="Speech-to-text model", description="For example scribe_v1.")


class ElevenLabsVoice(VoiceAdapter):
    def __init__(self, settings: Settings, *, name: str, policy: CallPolicy = DEFAULT_POLICY) -> None:
        super().__init__(name=name, policy=policy)
        self.settings = settings

    @cached_property
    def _http(self) -> httpx.Client:
        return http_client(timeout=self.policy.timeout_seconds)

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}{path}"

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"xi-api-key": self.settings.api_key.get_secret_value(), **extra}

    def _json(self, response: Any) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ProviderError(f"Provider '{self.name}' sent an answer that is not JSON", provider=self.name) from None

    def synthesize(self, text: str, *, voice: str) -> SynthesizedSpeech:
        self._check_text(text, voice)
        output_format = self.settings.output_format
        mime_type = _CODEC_MIME_TYPES[output_format.split("_", 1)[0]]
        response = send(
            self._http,
            "POST",
            # The voice id is quoted so a crafted id cannot reach another API path.
            self._url(f"/v1/text-to-speech/{quote(voice, safe='')}"),
            provider=self.name,
            policy=self.policy,
            voice=voice,
            params={"output_format": output_format},
            headers=self._headers(Accept=mime_type),
            json={"text": text, "model_id": self.settings.speech_model},
        )
        return SynthesizedSpeech(audio=response.content, mime_type=mime_type)

    def transcribe(self, audio: bytes, *, mime_type: str, language: str | None = None) -> Transcription:
        self._check_audio(audio)
        model = self.settings.transcription_model
        data = {"model_id": model}
        if language:
            # Scribe takes ISO-639-1 or -3 codes; callers may hold a locale ("en-US").
            data["language_code"] = language.split("-", 1)[0].lower()
        response = send(
            self._http,
            "POST",
            self._url("/v1/speech-to-text"),
            provider=self.name,
            policy=self.policy,
            model=model,
            headers=self._headers(Accept="application/json"),
            data=data,
            files={"file": (audio_filename(mime_type), audio, mime_type)},
        )
        result = self._json(response)
        return Transcription(text=str(result.get("text", "")).strip(), language=result.get("language_code") or language)

    def test_connection(self) -> str:
        response = send(
            self._http, "GET", self._url("/v1/models"), provider=self.name, policy=self.policy, headers=self._headers()
        )
        models = {model.get("model_id") for model in self._json(response) if isinstance(model, dict)}
        if self.settings.speech_model not in models:
            return f"Connected to '{self.name}', but it does not list model '{self.settings.speech_model}'"
        return f"Connected to '{self.name}'; model {self.settings.speech_model} is available"


PROVIDER = VoiceProviderType(
    slug="elevenlabs",
    label="ElevenLabs",
    settings_model=Settings,
    factory=ElevenLabsVoice,
    supports_stt=True,
    supports_tts=True,
    description="ElevenLabs voices for text-to-speech and Scribe for speech-to-text.",
)
