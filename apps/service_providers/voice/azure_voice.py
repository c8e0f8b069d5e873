"""Azure AI Speech over its REST APIs: neural TTS (SSML in, audio out) and the short-audio STT API
(WAV or Ogg/Opus up to 60 s in, JSON with RecognitionStatus/DisplayText out).

No Speech SDK: it is a large native wheel, and these two endpoints are all a chatbot needs.
"""

from __future__ import annotations

from functools import cached_property
from xml.sax.saxutils import escape, quoteattr

import httpx
from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import InvalidRequest, ProviderError, ProviderUnavailable
from apps.service_providers.http import http_client
from apps.service_providers.voice._http import send
from apps.service_providers.voice.base import (
    DEFAULT_POLICY,
    CallPolicy,
    SynthesizedSpeech,
    Transcription,
    VoiceAdapter,
    VoiceProviderType,
    base_mime_type,
)

USER_AGENT = "chatstudio-voice"

# Content-Type values the short-audio API documents; anything else must be converted by the caller.
_STT_CONTENT_TYPES = {
    "audio/wav": "audio/wav; codecs=audio/pcm; samplerate=16000",
    "audio/x-wav": "audio/wav; codecs=audio/pcm; samplerate=16000",
    "audio/wave": "audio/wav; codecs=audio/pcm; samplerate=16000",
    "audio/ogg": "audio/ogg; codecs=opus",
    "audio/opus": "audio/ogg; codecs=opus",
}

# Statuses meaning "heard no words": an empty transcript, not a failure.
_SILENT_STATUSES = {"NoMatch", "InitialSilenceTimeout", "BabbleTimeout"}


class Settings(ProviderSettings):
    subscription_key: SecretStr = Field(
        min_length=1, title="Subscription key", description="Key 1 or key 2 of the Speech resource."
    )
    # The region becomes part of a host name, so only plain region ids are accepted.
    region: str = Field(
        pattern=r"^[a-z0-9]+$", title="Region", description="The Speech resource's region id, e.g. westeurope."
    )
    endpoint: str = Field(
        "",
        title="Endpoint override",
        description="Base URL replacing https://<region>.tts/stt.speech.microsoft.com "
        "(sovereign cloud, Speech container). Leave empty for the public service.",
    )
    output_format: str = Field(
        "audio-24khz-48kbitrate-mono-mp3",
        title="Audio format",
        description="An X-Microsoft-OutputFormat value, "
        "e.g. audio-24khz-48kbitrate-mono-mp3 or ogg-24khz-16bit-mono-opus.",
    )
    default_language: str = Field(
        "en-US", title="Default language", description="Locale used for speech-to-text when none is given, e.g. en-US."
    )


def output_mime_type(output_format: str) -> str:
    fmt = output_format.lower()
    if "mp3" in fmt:
        return "audio/mpeg"
    if fmt.startswith("riff"):
        return "audio/wav"
    if fmt.startswith("ogg"):
        return "audio/ogg"
    if fmt.startswith("webm"):
        return "audio/webm"
    if fmt.endswith("opus"):
        return "audio/opus"
    if fmt.endswith("alaw"):
        return "audio/x-alaw-basic"
    if fmt.endswith("mulaw"):
        return "audio/basic"
    if fmt.startswith("raw"):
        return "audio/pcm"
    return ""


def build_ssml(text: str, *, voice: str, language: str) -> str:
    return (
        f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang={quoteattr(language)}>"
        f"<voice name={quoteattr(voice)}>{escape(text)}</voice></speak>"
    )


class AzureVoice(VoiceAdapter):
    def __init__(self, settings: Settings, *, name: str, policy: CallPolicy = DEFAULT_POLICY) -> None:
        super().__init__(name=name, policy=policy)
        self.settings = settings

    @cached_property
    def _http(self) -> httpx.Client:
        return http_client(timeout=self.policy.timeout_seconds)

    def _base(self, service: str) -> str:
        if self.settings.endpoint:
            return self.settings.endpoint.rstrip("/")
        return f"https://{self.settings.region}.{service}.speech.microsoft.com"

    def _key_header(self) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": self.settings.subscription_key.get_secret_value()}

    def synthesize(self, text: str, *, voice: str) -> SynthesizedSpeech:
        self._check_text(text, voice)
        # Voice names start with their locale ("en-US-AvaNeural"); SSML needs that locale.
        parts = voice.split("-")
        language = "-".join(parts[:2]) if len(parts) >= 3 else self.settings.default_language
        response = send(
            self._http,
            "POST",
            f"{self._base('tts')}/cognitiveservices/v1",
            provider=self.name,
            policy=self.policy,
            voice=voice,
            headers={
                **self._key_header(),
                "Content-Type": "application/ssml+xml",
                "X-Microsoft-OutputFormat": self.settings.output_format,
                "User-Agent": USER_AGENT,
            },
            content=build_ssml(text, voice=voice, language=language).encode(),
        )
        mime_type = output_mime_type(self.settings.output_format) or base_mime_type(
            response.headers.get("Content-Type", "application/octet-stream")
        )
        return SynthesizedSpeech(audio=response.content, mime_type=mime_type)

    def transcribe(self, audio: bytes, *, mime_type: str, language: str | None = None) -> Transcription:
        self._check_audio(audio)
        content_type = _STT_CONTENT_TYPES.get(base_mime_type(mime_type))
        if content_type is None:
            raise InvalidRequest(
                f"Provider '{self.name}' accepts WAV or Ogg/Opus audio for speech-to-text, not '{mime_type}'",
                provider=self.name,
            )
        language = language or self.settings.default_language
        response = send(
            self._http,
            "POST",
            f"{self._base('stt')}/speech/recognition/conversation/cognitiveservices/v1",
            provider=self.name,
            policy=self.policy,
            params={"language": language, "format": "simple"},
            headers={**self._key_header(), "Content-Type": content_type, "Accept": "application/json"},
            content=audio,
        )
        try:
            result = response.json()
        except ValueError:
            result = None
        if not isinstance(result, dict):
            raise ProviderError(f"Provider '{self.name}' sent an answer that is not a JSON object", provider=self.name)
        status = result.get("RecognitionStatus")
        if status == "Success":
            return Transcription(text=str(result.get("DisplayText", "")).strip(), language=language)
        if status in _SILENT_STATUSES:
            return Transcription(text="", language=language)
        raise ProviderUnavailable(f"Provider '{self.name}' could not recognize the audio: {status}", provider=self.name)

    def test_connection(self) -> str:
        response = send(
            self._http,
            "GET",
            f"{self._base('tts')}/cognitiveservices/voices/list",
            provider=self.name,
            policy=self.policy,
            headers={**self._key_header(), "User-Agent": USER_AGENT},
        )
        try:
            count = len(response.json())
        except (ValueError, TypeError):
            count = 0
        return f"Connected to '{self.name}' (region {self.settings.region}); {count} voices available"


PROVIDER = VoiceProviderType(
    slug="azure",
    label="Azure AI Speech",
    settings_model=Settings,
    factory=AzureVoice,
    supports_stt=True,
    supports_tts=True,
    description="Azure AI Speech neural voices and short-audio speech recognition (up to 60 seconds).",
)
