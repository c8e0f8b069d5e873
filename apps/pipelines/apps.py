from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "apps.pipelines"

    def ready(self) -> None:
        from apps.pipelines.models import Pipeline
        from apps.pipelines.selectors import pipelines_using_llm_provider
        from apps.service_providers.usages import register_usage_finder
        from apps.teams.config_cache import bump_on_change

        bump_on_change(Pipeline)  # the cached served versions hold their pipeline

        # Pipelines name providers inside their JSON, so deleting a provider checks them explicitly.
        register_usage_finder("llm", pipelines_using_llm_provider)
