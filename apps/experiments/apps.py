from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "apps.experiments"
    verbose_name = "Chatbots"

    def ready(self) -> None:
        from apps.experiments.models import ConsentForm, Experiment, SourceMaterial
        from apps.teams.config_cache import bump_on_change

        bump_on_change(Experiment, ConsentForm, SourceMaterial)
