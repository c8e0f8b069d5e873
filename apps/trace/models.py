"""Built-in traces: one row per pipeline run, one span per node that ran."""

from django.db import models

from apps.teams.models import BaseTeamModel


class Trace(BaseTeamModel):
    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCESS = "success"
        ERROR = "error"
        CANCELLED = "cancelled"

    pipeline = models.ForeignKey("pipelines.Pipeline", null=True, blank=True, on_delete=models.SET_NULL)
    chatbot_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    input = models.TextField(blank=True)
    output = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Trace {self.pk} ({self.status})"


class Span(BaseTeamModel):
    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="spans")
    position = models.PositiveIntegerField()
    node_id = models.CharField(max_length=100)
    node_name = models.CharField(max_length=200)
    node_type = models.CharField(max_length=60)
    input = models.TextField(blank=True)
    output = models.TextField(blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["trace", "position"]

    def __str__(self) -> str:
        return f"{self.node_name} ({self.duration_ms} ms)"
