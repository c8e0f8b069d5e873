from pathlib import Path

from django.conf import settings
from django.db import migrations


def make_media_private(apps, schema_editor):
    # Uploads stored before FILE_UPLOAD_PERMISSIONS were 0644 in 0755 folders (issue 12).
    from apps.files.permissions import make_private

    make_private(Path(settings.MEDIA_ROOT))


class Migration(migrations.Migration):
    dependencies = [("files", "0001_initial")]

    operations = [migrations.RunPython(make_media_private, migrations.RunPython.noop, elidable=True)]
