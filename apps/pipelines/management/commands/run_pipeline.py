"""Run a pipeline on one message from the command line, e.g.

manage.py run_pipeline --team demo-team --pipeline 3 --message "Hello"
manage.py run_pipeline --team demo-team --file triage.json --message "I have a fever" --stream
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.pipelines.exporting import graph_from_export
from apps.pipelines.graph import GraphFormatError, PipelineGraph
from apps.pipelines.models import Pipeline
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.pipelines.runtime.runner import PipelineInvalid, PipelineRunError, run_pipeline
from apps.teams.models import Team


class Command(BaseCommand):
    help = "Run a pipeline (saved, or from an exported JSON file) on one message and print the reply."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="team slug")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--pipeline", type=int, help="id of a pipeline of the team")
        source.add_argument("--file", type=Path, help="a pipeline export (JSON)")
        parser.add_argument("--message", required=True)
        parser.add_argument("--participant-data", default="{}", help="JSON object")
        parser.add_argument("--stream", action="store_true", help="print tokens as they arrive")

    def handle(self, *args, team: str, pipeline, file, message, participant_data, stream, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with slug '{team}'")
        pipeline_id = None
        if pipeline is not None:
            row = Pipeline.objects.filter(team=team_obj, pk=pipeline).first()
            if row is None:
                raise CommandError(f"Team '{team}' has no pipeline {pipeline}")
            graph, pipeline_id = row.graph, row.pk
        else:
            try:
                document = json.loads(file.read_text())
                graph = graph_from_export(document)[0] if "format" in document else PipelineGraph.from_dict(document)
            except (OSError, json.JSONDecodeError, GraphFormatError) as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            data = json.loads(participant_data)
        except json.JSONDecodeError as error:
            raise CommandError(f"--participant-data is not JSON: {error}") from error

        def print_token(token: str) -> None:
            sys.stdout.write(token)
            sys.stdout.flush()

        run = RunInput(message, participant_data=data, pipeline_id=pipeline_id)
        try:
            result = run_pipeline(graph, run, OrmRepository(team_obj), on_token=print_token if stream else None)
        except PipelineInvalid as error:
            details = "\n".join(
                f"  - {issue.node_id or issue.edge_id or 'pipeline'}: {issue.message}" for issue in error.issues
            )
            raise CommandError(f"The pipeline is not valid:\n{details}") from error
        except PipelineRunError as error:
            raise CommandError(f"{error} (trace {error.trace_id})") from error
        if stream:
            self.stdout.write("")
        else:
            self.stdout.write(result.output)
        self.stderr.write(f"path: {' -> '.join(result.path)}; trace {result.trace_id}")
        if result.participant_data != data:
            self.stderr.write(f"participant data: {json.dumps(result.participant_data)}")
