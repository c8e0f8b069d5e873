from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "apps.pipelines"

    def ready(self) -> None:
        from apps.pipelines.selectors import pipelines_using_llm_provider
        from apps.service_providers.usages import register_usage_finder

        # Pipelines name providers inside their JSON, so deleting a provider checks them explicitly.
        register_usage_finder("llm", pipelines_using_llm_provider)
