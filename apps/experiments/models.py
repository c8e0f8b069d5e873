"""Chatbots (the `Experiment` model), their versions, consent forms, source material and sessions."""

from __future__ import annotations

import uuid
from typing import cast

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.teams.models import BaseTeamModel
from apps.utils.versioning import VersionedModel


class ConsentForm(BaseTeamModel, VersionedModel):
    name = models.CharField(max_length=200)
    consent_text = models.TextField(help_text="Shown before a web chat starts; markdown")
    capture_identifier = models.BooleanField(default=True, help_text="Ask for an email or name before chatting")
    identifier_label = models.CharField(max_length=200, default="Email address")
    identifier_type = models.CharField(max_length=20, choices=[("email", "Email"), ("text", "Text")], default="email")
    confirmation_text = models.CharField(max_length=500, default="I agree")

    VERSION_CONTENT_FIELDS = (
        "team",
        "is_archived",
        "name",
        "consent_text",
        "capture_identifier",
        "identifier_label",
        "identifier_type",
        "confirmation_text",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceMaterial(BaseTeamModel, VersionedModel):
    topic = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    material = models.TextField(help_text="Available to prompts as {source_material}")

    VERSION_CONTENT_FIELDS = ("team", "is_archived", "topic", "description", "material")

    class Meta:
        ordering = ["topic"]

    def __str__(self) -> str:
        return self.topic


class Experiment(BaseTeamModel, VersionedModel):
    """A chatbot. Every chatbot runs a pipeline; versions snapshot the pipeline and linked resources."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pipeline = models.ForeignKey("pipelines.Pipeline", on_delete=models.PROTECT, related_name="experiments")
    seed_message = models.TextField(blank=True, help_text="Sent to the bot, unseen, when a session starts")
    consent_form = models.ForeignKey(ConsentForm, null=True, blank=True, on_delete=models.SET_NULL)
    source_material = models.ForeignKey(SourceMaterial, null=True, blank=True, on_delete=models.SET_NULL)
    voice_provider = models.ForeignKey(
        "service_providers.VoiceProvider", null=True, blank=True, on_delete=models.SET_NULL
    )
    synthetic_voice = models.CharField(max_length=200, blank=True)
    trace_provider = models.ForeignKey(
        "service_providers.TraceProvider", null=True, blank=True, on_delete=models.SET_NULL
    )
    participant_allowlist = models.JSONField(default=list, blank=True, help_text="Identifiers allowed; empty = anyone")
    file_uploads_enabled = models.BooleanField(default=False)
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # Set on exactly one version of a chatbot: the one channels serve.
    is_published = models.BooleanField(default=False)

    # Publishing picks one version; a new version is never published by being copied.
    VERSION_IDENTITY_FIELDS = (*VersionedModel.VERSION_IDENTITY_FIELDS, "is_published")
    # The linked rows (pipeline, consent form, source material) are replaced by frozen copies of their
    # own in copy_related_to; public_id is the chatbot's, shared by its versions.
    VERSION_CONTENT_FIELDS = (
        "team",
        "is_archived",
        "name",
        "description",
        "pipeline",
        "seed_message",
        "consent_form",
        "source_material",
        "voice_provider",
        "synthetic_voice",
        "trace_provider",
        "participant_allowlist",
        "file_uploads_enabled",
        "public_id",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["public_id"], condition=Q(working_version__isnull=True), name="unique_experiment_public_id"
            ),
            models.UniqueConstraint(
                fields=["working_version", "version_number"],
                condition=Q(working_version__isnull=False),
                name="unique_experiment_version_number",
            ),
            models.UniqueConstraint(
                fields=["working_version"], condition=Q(is_published=True), name="one_published_experiment_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name if self.is_working_version else f"{self.name} v{self.version_number}"

    @property
    def working(self) -> Experiment:
        """The working copy this row belongs to (itself, for the working copy)."""
        return self if self.working_version is None else cast(Experiment, self.working_version)

    def copy_related_to(self, version) -> None:
        """A version runs frozen copies of the pipeline, consent form and source material."""
        version.pipeline = self.pipeline.create_version(f"For {self} version {version.version_number}")
        if self.consent_form is not None:
            version.consent_form = self.consent_form.create_version()
        if self.source_material is not None:
            version.source_material = self.source_material.create_version()
        version.save(update_fields=["pipeline", "consent_form", "source_material"])


class ExperimentSession(BaseTeamModel):
    class Status(models.TextChoices):
        SETUP = "setup"
        PENDING_CONSENT = "pending_consent"
        ACTIVE = "active"
        PENDING_REVIEW = "pending_review"
        COMPLETE = "complete"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="sessions")
    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE, related_name="sessions")
    chat = models.OneToOneField("chat.Chat", on_delete=models.PROTECT, related_name="session")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SETUP)
    platform = models.CharField(max_length=40, default="web")
    # A session may be pinned to one version (team members testing it); otherwise the published one serves.
    version_number = models.PositiveIntegerField(null=True, blank=True)
    state = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    first_activity_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Session {self.public_id}"

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETE

    def touch(self) -> None:
        now = timezone.now()
        self.first_activity_at = self.first_activity_at or now
        self.last_activity_at = now
