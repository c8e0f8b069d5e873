from django.conf import settings
from django.db import models

from apps.teams.models import BaseTeamModel


class TeamApiKey(BaseTeamModel):
    """A team's API key. Only a hash is stored; the key is shown once, when it is made."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Shown to tell keys apart")
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def participant_identifier(self) -> str:
        """Who the API's participant is when a request names nobody: the key's creator, or the key."""
        return self.created_by.email if self.created_by else f"api-key:{self.prefix}"
