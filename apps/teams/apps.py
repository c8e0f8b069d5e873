from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TeamsConfig(AppConfig):
    name = "apps.teams"

    def ready(self) -> None:
        # Every app's permissions exist only after its migrations, so the role groups are rebuilt
        # after each migrate; a new app's permissions join the roles that claim its app label.
        post_migrate.connect(_sync_roles_after_migrate)


def _sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    from apps.teams.roles import sync_role_groups

    sync_role_groups(using=using)
