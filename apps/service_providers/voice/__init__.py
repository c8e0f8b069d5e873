"""Speech-to-text and text-to-speech providers behind one adapter interface.

provider_type = get_voice_provider_type("openai")
adapter = provider_type.build(saved_settings, name="Team OpenAI")
speech = adapter.synthesize("Hello", voice="alloy")
text = adapter.transcribe(ogg_bytes, mime_type="audio/ogg").text
"""

from apps.service_providers.voice.base import (
    DEFAULT_POLICY,
    CallPolicy,
    SynthesizedSpeech,
    Transcription,
    VoiceAdapter,
    VoiceProviderType,
)
from apps.service_providers.voice.registry import (
    VOICE_PROVIDER_TYPES,
    get_voice_provider_type,
    voice_provider_choices,
)

__all__ = [
    "DEFAULT_POLICY",
    "VOICE_PROVIDER_TYPES",
    "CallPolicy",
    "SynthesizedSpeech",
    "Transcription",
    "VoiceAdapter",
    "VoiceProviderType",
    "get_voice_provider_type",
    "voice_provider_choices",
]
