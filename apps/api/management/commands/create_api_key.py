from django.core.management.base import BaseCommand, CommandError

from apps.api.keys import create_api_key
from apps.teams.models import Team


class Command(BaseCommand):
    help = "Create an API key for a team and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--name", required=True)

    def handle(self, *args, team, name, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with slug '{team}'")
        _, raw = create_api_key(team=team_obj, name=name)
        self.stdout.write(raw)
