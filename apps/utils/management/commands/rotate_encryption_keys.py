"""Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: prepend a new key to FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then drop the old keys."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.utils.fields import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            count = 0
            with transaction.atomic():
                # Loading decrypts with any configured key; update() encrypts with the first one.
                for row in model._default_manager.only("pk", *fields).iterator():
                    model._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
                    count += 1
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows."))
