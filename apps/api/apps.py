from django.apps import AppConfig
from django.db.models.signals import pre_delete


class ApiConfig(AppConfig):
    name = "apps.api"
    verbose_name = "API"

    def ready(self) -> None:
        from apps.api import schema  # noqa: F401 - registers the OpenAPI auth extension
        from apps.teams.models import Membership

        # pre_delete, not post_delete: deleting a user account sets `created_by` to NULL before the
        # cascaded memberships' post_delete, and the keys could no longer be found.
        pre_delete.connect(_revoke_keys_of_leaving_member, sender=Membership, dispatch_uid="api.revoke_member_keys")


def _revoke_keys_of_leaving_member(sender, instance, **kwargs) -> None:
    from apps.api.keys import revoke_keys_of

    revoke_keys_of(team_id=instance.team_id, user_id=instance.user_id)
