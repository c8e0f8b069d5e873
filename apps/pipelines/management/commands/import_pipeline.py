import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.pipelines.actions import import_pipeline
from apps.pipelines.exceptions import PipelineActionError
from apps.teams.models import Team


class Command(BaseCommand):
    help = "Create a pipeline in a team from an exported JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", default=None)

    def handle(self, *args, team, file, name, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with slug '{team}'")
        try:
            pipeline = import_pipeline(team=team_obj, exported=json.loads(file.read_text()), name=name)
        except (OSError, json.JSONDecodeError, PipelineActionError) as error:
            raise CommandError(f"Cannot import {file}: {error}") from error
        self.stdout.write(f"Imported pipeline {pipeline.pk}: {pipeline.name}")
