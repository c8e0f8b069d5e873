from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pgvector is required everywhere (embedded and external PostgreSQL); see docs/adr/0001."""

    initial = True
    dependencies = []
    operations = [CreateExtension("vector")]
