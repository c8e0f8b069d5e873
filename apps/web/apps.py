from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class WebConfig(AppConfig):
    name = "apps.web"

    def ready(self) -> None:
        # post_migrate is sent only for apps with models, which this one has none of: listen to the sites
        # app's (after its create_default_site, which makes the "example.com" row this corrects).
        post_migrate.connect(_sync_site_after_migrate, sender=apps.get_app_config("sites"))


def _sync_site_after_migrate(sender, **kwargs) -> None:
    # After every migrate, so a changed SITE_URL / SITE_NAME reaches the Site row with no manual step.
    from apps.web.actions import sync_site

    sync_site()
