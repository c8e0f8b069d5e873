from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class TeamsConfig(AppConfig):
    name = "apps.teams"

    def ready(self) -> None:
        # Every app's permissions exist only after its migrations, so the role groups are rebuilt
        # after each migrate (and each flush); a new app's permissions join the roles that claim its
        # app label.
        post_migrate.connect(_sync_roles_after_migrate)


def _sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per app with models, each time after auth has made that app's
    # permissions: the roles are synced once, after the last app's.
    if sender is not [config for config in apps.get_app_configs() if config.models_module is not None][-1]:
        return
    from apps.teams.roles import sync_role_groups

    sync_role_groups(using=using)
