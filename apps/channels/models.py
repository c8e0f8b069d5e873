"""Deployments of a chatbot to a platform. The embedded web widget is the first; messaging platforms
(Telegram, WhatsApp, Slack, …) join with their own settings."""

import secrets

from django.db import models
from django.utils.crypto import salted_hmac

from apps.teams.models import BaseTeamModel


def new_embed_key() -> str:
    return secrets.token_urlsafe(24)


class ExperimentChannel(BaseTeamModel):
    class Platform(models.TextChoices):
        EMBEDDED_WIDGET = "embedded_widget", "Web widget"

    class AuthLevel(models.TextChoices):
        """What a widget call without team credentials must show (ADR 0010). The default is what the
        published `open-chat-studio-widget` can do: it sends the embed key but never a session token."""

        NONE = "none", "None: any site, no embed key"
        EMBED_KEY = "embed_key", "Embed key, from an allowed site"
        SESSION_TOKEN = "session_token", "Embed key from an allowed site, and a session token on later calls"

    experiment = models.ForeignKey("experiments.Experiment", on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(max_length=40, choices=Platform.choices)
    name = models.CharField(max_length=100)
    # The widget sends this as X-Embed-Key; it is public (it sits in the embedding page), so what
    # protects the chatbot is the Origin check against allowed_origins.
    embed_key = models.CharField(max_length=64, unique=True, default=new_embed_key)
    allowed_origins = models.JSONField(default=list, blank=True, help_text="e.g. https://clinic.example.org")
    auth_level = models.CharField(max_length=20, choices=AuthLevel.choices, default=AuthLevel.EMBED_KEY)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str | None) -> bool:
        allowed = [entry.rstrip("/").lower() for entry in self.allowed_origins or []]
        return origin is not None and origin.rstrip("/").lower() in allowed

    @property
    def identity_secret(self) -> str:
        """The key an embedding site's server signs participant ids with (ADR 0010). Unlike the embed
        key it never goes into the page. Derived from the embed key and SECRET_KEY, so it needs no
        storage and changes with either."""
        return salted_hmac("chat-studio.widget-identity", self.embed_key, algorithm="sha256").hexdigest()
