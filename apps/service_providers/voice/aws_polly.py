"""Amazon Polly text-to-speech through boto3 (`polly.synthesize_speech`). Polly has no speech-to-text.

boto3 has its own HTTP stack, so this adapter cannot use the httpx seam; the endpoint override is
still checked, botocore's own retries are off and `call_with_retries` retries like every adapter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr

from apps.service_providers.config_models import ProviderSettings
from apps.service_providers.errors import (
    InvalidRequest,
    ProviderConfigError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from apps.service_providers.http import check_url_allowed
from apps.service_providers.voice.base import (
    DEFAULT_POLICY,
    CallPolicy,
    SynthesizedSpeech,
    VoiceAdapter,
    VoiceProviderType,
    base_mime_type,
    call_with_retries,
    status_error,
)

T = TypeVar("T")

OutputFormat = Literal["mp3", "ogg_opus", "ogg_vorbis", "pcm"]

MIME_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "ogg_opus": "audio/ogg",
    "ogg_vorbis": "audio/ogg",
    "pcm": "audio/pcm",  # raw 16-bit signed little-endian mono
}

# Error codes that mean "these credentials are not accepted", whatever status AWS sent with them.
_AUTH_CODES = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AccessDeniedException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "IncompleteSignature",
}


class Settings(ProviderSettings):
    access_key_id: str = Field(min_length=1, title="Access key ID", description="An IAM access key allowed polly:*.")
    secret_access_key: SecretStr = Field(min_length=1, title="Secret access key")
    region: str = Field(
        "us-east-1",
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$",
        title="Region",
        description="The AWS region, e.g. us-east-1 or eu-west-1.",
    )
    engine: Literal["standard", "neural", "long-form", "generative"] = Field(
        "neural", title="Engine", description="Voices support only some engines; neural suits most."
    )
    output_format: OutputFormat = Field("mp3", title="Audio format")
    endpoint_url: str = Field(
        "", title="Endpoint override", description="Leave empty to use the region's public Polly endpoint."
    )


def _translate(error: Exception, *, provider: str, voice: str, timeout: float) -> ProviderError:
    from botocore import exceptions as aws

    if isinstance(error, aws.ReadTimeoutError | aws.ConnectTimeoutError):
        return ProviderTimeout(f"Provider '{provider}' did not answer within {timeout:g} seconds", provider=provider)
    if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
        return ProviderConfigError(f"Provider '{provider}' has incomplete AWS credentials", provider=provider)
    if isinstance(error, aws.ParamValidationError):
        return InvalidRequest(f"Provider '{provider}' rejected the request: {error}", provider=provider)
    if isinstance(error, aws.ConnectionError | aws.HTTPClientError):
        return ProviderUnavailable(f"Could not reach provider '{provider}': {error}", provider=provider)
    if isinstance(error, aws.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = str(details.get("Message", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
        # AWS signals throttling and bad credentials by error code, often with a 400.
        if "Throttl" in code or code == "TooManyRequestsException":
            status = 429
        elif code in _AUTH_CODES:
            status = 403
        elif code == "ValidationException" and "voiceId" in message:
            status = 404
        detail = ": ".join(part for part in (code, message) if part)
        return status_error(status, provider=provider, detail=detail, voice=voice)
    return ProviderError(f"Provider '{provider}' failed: {error}", provider=provider)


_session_lock = threading.Lock()
_shared_session: Any = None


def _create_client(service: str, **kwargs: Any) -> Any:
    """A boto3 client from one shared session, so service models load once per process rather than per
    adapter (~0.1 s each). Sessions are not thread-safe while creating clients, hence the lock; the
    clients themselves are."""
    global _shared_session
    import boto3

    with _session_lock:
        if _shared_session is None:
            _shared_session = boto3.session.Session()
        return _shared_session.client(service, **kwargs)


class PollyVoice(VoiceAdapter):
    def __init__(self, settings: Settings, *, name: str, policy: CallPolicy = DEFAULT_POLICY) -> None:
        super().__init__(name=name, policy=policy)
        self.settings = settings
        self._boto_client: Any = None

    def _client(self) -> Any:
        if self._boto_client is None:
            from botocore.config import Config

            if self.settings.endpoint_url:
                check_url_allowed(self.settings.endpoint_url)
            # Explicit keys: never fall back to the server's own AWS identity (env, instance role).
            self._boto_client = _create_client(
                "polly",
                aws_access_key_id=self.settings.access_key_id,
                aws_secret_access_key=self.settings.secret_access_key.get_secret_value(),
                aws_session_token=None,
                region_name=self.settings.region,
                endpoint_url=self.settings.endpoint_url or None,
                config=Config(
                    connect_timeout=self.policy.timeout_seconds,
                    read_timeout=self.policy.timeout_seconds,
                    retries={"total_max_attempts": 1},
                    user_agent_extra="chatstudio-voice",
                ),
            )
        return self._boto_client

    def _call(self, operation: Callable[[Any], T], *, voice: str = "") -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        def attempt() -> T:
            try:
                return operation(self._client())
            except (BotoCoreError, ClientError) as error:
                raise _translate(error, provider=self.name, voice=voice, timeout=self.policy.timeout_seconds) from error

        return call_with_retries(self.policy, attempt)

    def synthesize(self, text: str, *, voice: str) -> SynthesizedSpeech:
        self._check_text(text, voice)
        output_format = self.settings.output_format

        def speak(client: Any) -> tuple[bytes, str]:
            response = client.synthesize_speech(
                Text=text, VoiceId=voice, OutputFormat=output_format, Engine=self.settings.engine
            )
            # Read inside the call: a stalled stream times out here and is translated like any failure.
            stream = response["AudioStream"]
            try:
                return stream.read(), response.get("ContentType", "")
            finally:
                stream.close()

        audio, content_type = self._call(speak, voice=voice)
        return SynthesizedSpeech(audio=audio, mime_type=MIME_TYPES.get(output_format) or base_mime_type(content_type))

    def test_connection(self) -> str:
        engine = self.settings.engine
        voices = self._call(lambda client: client.describe_voices(Engine=engine).get("Voices", []))
        region = self.settings.region
        return f"Connected to '{self.name}' (region {region}); {len(voices)} voices for the {engine} engine"


PROVIDER = VoiceProviderType(
    slug="aws_polly",
    label="Amazon Polly",
    settings_model=Settings,
    factory=PollyVoice,
    supports_stt=False,
    supports_tts=True,
    description="Amazon Polly text-to-speech (no speech-to-text).",
)
