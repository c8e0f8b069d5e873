from django.db import models


class BaseModel(models.Model):
    """Timestamps for every model we own. Team-owned models use `apps.teams.models.BaseTeamModel`."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
