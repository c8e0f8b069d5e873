from django.db.models import QuerySet

from apps.pipelines.models import Pipeline
from apps.teams.models import Team


def working_pipelines(team: Team) -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(team=team, working_version__isnull=True, is_archived=False)


def pipelines_using_llm_provider(provider) -> list[str]:
    """Names of the team's pipelines (working copies and versions) with a node on this provider."""
    names = []
    for pipeline in Pipeline.objects.filter(team_id=provider.team_id, is_archived=False):
        if any(node.params.get("llm_provider_id") == provider.pk for node in pipeline.graph.nodes):
            names.append(f"pipeline “{pipeline}”")
    return names
