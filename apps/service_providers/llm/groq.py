from apps.service_providers.llm.openai_family import HostedOpenAiCompatibleProvider


class GroqProvider(HostedOpenAiCompatibleProvider):
    slug = "groq"
    label = "Groq"
    description = "Open models served fast by Groq (OpenAI-compatible API)."
    default_base_url = "https://api.groq.com/openai/v1"
