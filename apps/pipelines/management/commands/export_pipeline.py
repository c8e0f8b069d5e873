import json

from django.core.management.base import BaseCommand, CommandError

from apps.pipelines.exporting import export_pipeline
from apps.pipelines.models import Pipeline


class Command(BaseCommand):
    help = "Print a pipeline as JSON (import it elsewhere with import_pipeline)."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--pipeline", type=int, required=True)

    def handle(self, *args, team, pipeline, **options):
        row = Pipeline.objects.filter(team__slug=team, pk=pipeline).first()
        if row is None:
            raise CommandError(f"Team '{team}' has no pipeline {pipeline}")
        self.stdout.write(json.dumps(export_pipeline(row), indent=2, ensure_ascii=False))
