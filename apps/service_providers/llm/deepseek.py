from apps.service_providers.llm.openai_family import HostedOpenAiCompatibleProvider


class DeepSeekProvider(HostedOpenAiCompatibleProvider):
    slug = "deepseek"
    label = "DeepSeek"
    description = "DeepSeek's chat and reasoning models (OpenAI-compatible API)."
    default_base_url = "https://api.deepseek.com/v1"
