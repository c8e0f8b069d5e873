"""Keys made by someone who has since left the team stop working, as they now do when a member
leaves (ADR 0010)."""

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone


def revoke_keys_of_former_members(apps, schema_editor):
    TeamApiKey = apps.get_model("api", "TeamApiKey")
    Membership = apps.get_model("teams", "Membership")
    member = Membership.objects.filter(team_id=OuterRef("team_id"), user_id=OuterRef("created_by_id"))
    TeamApiKey.objects.filter(created_by__isnull=False, revoked_at=None).exclude(Exists(member)).update(
        revoked_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial"), ("teams", "0002_initial")]

    operations = [migrations.RunPython(revoke_keys_of_former_members, migrations.RunPython.noop)]
