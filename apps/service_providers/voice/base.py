"""The voice provider interface: speech-to-text and text-to-speech behind one adapter shape.

A `VoiceProviderType` describes one kind of provider (OpenAI, Azure, ...): its settings model drives
the settings form, `supports_stt` / `supports_tts` tell the UI which pickers to offer, and `build()`
turns saved settings into an adapter. Adapters raise only the typed errors of
`apps.service_providers.errors`, so callers show one sentence and never an SDK traceback.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import tenacity
from pydantic import ValidationError

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import (
    InvalidRequest,
    ModelNotFound,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    error_for_status,
)

T = TypeVar("T")


@dataclass(frozen=True)
class SynthesizedSpeech:
    audio: bytes
    mime_type: str


@dataclass(frozen=True)
class Transcription:
    text: str
    language: str | None = None


@dataclass(frozen=True)
class CallPolicy:
    """How long to wait for one call and how to retry it. Tests pass a tiny backoff to stay fast."""

    timeout_seconds: float = 60.0
    retries: int = 2
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 4.0


DEFAULT_POLICY = CallPolicy()


def call_with_retries(policy: CallPolicy, call: Callable[[], T]) -> T:
    """Run `call`, retrying on 429 and 5xx/connection failures with exponential backoff.

    Timeouts are not retried: a user is usually waiting on speech, and three slow attempts would
    triple the wait for a service that is already struggling.
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.retries + 1),
        wait=tenacity.wait_exponential(multiplier=policy.backoff_seconds, max=policy.max_backoff_seconds)
        + tenacity.wait_random(0, policy.backoff_seconds),
        retry=tenacity.retry_if_exception_type((RateLimited, ProviderUnavailable)),
        reraise=True,
    )
    return retrying(call)


class VoiceAdapter(abc.ABC):
    """One configured voice provider. Operations a provider lacks raise InvalidRequest."""

    def __init__(self, *, name: str, policy: CallPolicy = DEFAULT_POLICY) -> None:
        self.name = name
        self.policy = policy

    def transcribe(self, audio: bytes, *, mime_type: str, language: str | None = None) -> Transcription:
        raise InvalidRequest(f"Provider '{self.name}' does not offer speech-to-text", provider=self.name)

    def synthesize(self, text: str, *, voice: str) -> SynthesizedSpeech:
        raise InvalidRequest(f"Provider '{self.name}' does not offer text-to-speech", provider=self.name)

    @abc.abstractmethod
    def test_connection(self) -> str:
        """Make one small real call and return a short message for the "Test connection" button."""

    def _check_audio(self, audio: bytes) -> None:
        if not audio:
            raise InvalidRequest(f"No audio was given to transcribe with provider '{self.name}'", provider=self.name)

    def _check_text(self, text: str, voice: str) -> None:
        if not text.strip():
            raise InvalidRequest(f"No text was given to speak with provider '{self.name}'", provider=self.name)
        if not voice.strip():
            raise InvalidRequest(f"No voice was chosen for provider '{self.name}'", provider=self.name)


AdapterFactory = Callable[..., VoiceAdapter]


@dataclass(frozen=True)
class VoiceProviderType:
    slug: str
    label: str
    settings_model: type[ProviderSettings]
    factory: AdapterFactory = field(repr=False)
    supports_stt: bool
    supports_tts: bool
    description: str = ""

    def parse_settings(self, data: Mapping[str, Any] | ProviderSettings) -> ProviderSettings:
        if isinstance(data, self.settings_model):
            return data
        raw = data.to_storage() if isinstance(data, ProviderSettings) else dict(data)
        try:
            return self.settings_model.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'settings'}: {issue['msg']}"
                for issue in error.errors()
            )
            raise ProviderConfigError(
                f"The settings for provider '{self.label}' are invalid: {problems}", provider=self.label
            ) from None

    def build(
        self,
        settings: Mapping[str, Any] | ProviderSettings,
        *,
        name: str | None = None,
        policy: CallPolicy = DEFAULT_POLICY,
    ) -> VoiceAdapter:
        """An adapter for saved settings; `name` is the team's name for this provider, used in messages."""
        return self.factory(self.parse_settings(settings), name=name or self.label, policy=policy)


# Audio container types by MIME type. Several APIs guess the format from a file name's extension,
# so uploads are named after their type.
_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpga": "mpga",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/webm": "webm",
    "video/webm": "webm",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/amr": "amr",
    "audio/pcm": "pcm",
}


def base_mime_type(mime_type: str) -> str:
    """'audio/ogg; codecs=opus' -> 'audio/ogg'."""
    return mime_type.split(";", 1)[0].strip().lower()


def audio_filename(mime_type: str) -> str:
    return f"audio.{_EXTENSIONS.get(base_mime_type(mime_type), 'bin')}"


def status_error(
    status_code: int, *, provider: str, detail: str = "", model: str = "", voice: str = ""
) -> ProviderError:
    """The typed error for an HTTP status; a 404 on a voice-addressed call names the voice, not a model."""
    if status_code == 404 and voice:
        suffix = f": {detail}" if detail else ""
        return ModelNotFound(
            f"Voice '{voice}' does not exist at provider '{provider}'{suffix}", provider=provider, status_code=404
        )
    return error_for_status(status_code, provider=provider, model=model, detail=detail)


def detail_from_body(body: Any, *, limit: int = 300) -> str:
    """The provider's own explanation from an error body, in the shapes the voice APIs use:
    {"error": {"message"}}, {"detail": {"message"}}, {"detail": "..."}, {"message"}, {"Message"}."""
    if isinstance(body, Mapping):
        for key in ("error", "detail", "message", "Message", "msg"):
            if key in body and body[key]:
                return detail_from_body(body[key], limit=limit)
        return ""
    if isinstance(body, list) and body:
        return detail_from_body(body[0], limit=limit) if isinstance(body[0], Mapping) else str(body[0])[:limit]
    return str(body).strip()[:limit] if body is not None else ""
