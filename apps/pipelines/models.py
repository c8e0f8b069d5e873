from __future__ import annotations

from django.db import models
from django.db.models import Q

from apps.pipelines.graph import PipelineGraph
from apps.teams.models import BaseTeamModel
from apps.utils.versioning import VersionedModel


def empty_pipeline() -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            {"id": "start", "type": "start", "name": "start", "params": {}, "position": {"x": 0, "y": 0}},
            {"id": "end", "type": "end", "name": "end", "params": {}, "position": {"x": 400, "y": 0}},
        ],
        "edges": [],
    }


class Pipeline(BaseTeamModel, VersionedModel):
    """A graph of nodes from Start to End (see apps.pipelines.graph for the JSON)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    data = models.JSONField(default=empty_pipeline)
    # Bumped on every save of the working copy; a save that names an older revision is refused,
    # so an edit in another tab is never silently overwritten.
    edit_revision = models.PositiveIntegerField(default=1)

    # The working copy's edit counter (stale-tab protection), not part of what a version freezes.
    VERSION_IDENTITY_FIELDS = (*VersionedModel.VERSION_IDENTITY_FIELDS, "edit_revision")
    VERSION_CONTENT_FIELDS = ("team", "is_archived", "name", "description", "data")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["working_version", "version_number"],
                condition=Q(working_version__isnull=False),
                name="unique_pipeline_version_number",
            )
        ]

    def __str__(self) -> str:
        return self.name if self.is_working_version else f"{self.name} v{self.version_number}"

    @property
    def graph(self) -> PipelineGraph:
        return PipelineGraph.from_dict(self.data)


class PipelineChatHistory(BaseTeamModel):
    """The conversation one LLM node (or a named group of nodes) keeps for a session, apart from the
    session's own chat."""

    session_id = models.BigIntegerField(null=True, db_index=True)
    name = models.CharField(max_length=200)
    messages = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "session_id", "name"], name="unique_pipeline_history")]
