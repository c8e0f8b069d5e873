"""Every voice provider type, listed explicitly (DESIGN §3.6): adding one means a module and a line here."""

from __future__ import annotations

from apps.service_providers.errors import ProviderConfigError
from apps.service_providers.voice import aws_polly, azure_voice, elevenlabs, openai_voice
from apps.service_providers.voice.base import VoiceProviderType

VOICE_PROVIDER_TYPES: dict[str, VoiceProviderType] = {
    provider.slug: provider
    for provider in (
        openai_voice.PROVIDER,
        azure_voice.PROVIDER,
        aws_polly.PROVIDER,
        elevenlabs.PROVIDER,
    )
}


def get_voice_provider_type(slug: str) -> VoiceProviderType:
    try:
        return VOICE_PROVIDER_TYPES[slug]
    except KeyError:
        known = ", ".join(sorted(VOICE_PROVIDER_TYPES))
        raise ProviderConfigError(f"Unknown voice provider type '{slug}' (known: {known})") from None


def voice_provider_choices(*, stt: bool = False, tts: bool = False) -> list[tuple[str, str]]:
    """(slug, label) pairs for a form, limited to types offering speech-to-text and/or text-to-speech."""
    return [
        (provider.slug, provider.label)
        for provider in VOICE_PROVIDER_TYPES.values()
        if (provider.supports_stt or not stt) and (provider.supports_tts or not tts)
    ]
