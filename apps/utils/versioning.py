"""Working copy + immutable numbered versions, for any model that needs them (pipelines, chatbots,
consent forms, source material, collections).

The working copy has `working_version = NULL` and is the only editable row; `create_version` copies it
into a new row pointing back at it with the next number. Versions are archived, never deleted, so
history and traces stay readable.

Every concrete field of a versioned model is classified, explicitly, as content (what a version
freezes: copied into each new version and compared between versions) or identity (the row's own
identity and its place in the version history: set by versioning, never copied). The guard test
(apps/utils/tests/test_guards_versioning.py, through `unclassified_version_fields`) fails for a field
that is neither or both, so a new field cannot be left out of versions by accident."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Max


class VersionedModel(models.Model):
    working_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="versions", editable=False
    )
    version_number = models.PositiveIntegerField(default=0, editable=False, help_text="0 for the working copy")
    version_description = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)

    # The row's identity and its place in the version history: never copied into a version.
    VERSION_IDENTITY_FIELDS: tuple[str, ...] = (
        "id",
        "working_version",
        "version_number",
        "version_description",
        "created_at",
        "updated_at",
    )
    # What a version freezes: each versioned model names every other field of its own here.
    VERSION_CONTENT_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def is_working_version(self) -> bool:
        return self.working_version_id is None  # type: ignore[attr-defined]

    def content_fields(self) -> list[str]:
        """VERSION_CONTENT_FIELDS, in the model's field order."""
        return [field.name for field in self._meta.concrete_fields if field.name in self.VERSION_CONTENT_FIELDS]

    @transaction.atomic
    def create_version(self, description: str = ""):
        """A numbered, immutable copy of this working copy."""
        if not self.is_working_version:
            raise ValueError("Only the working copy can be versioned")
        # Lock the working copy so two concurrent requests cannot take the same number.
        type(self)._default_manager.select_for_update().filter(pk=self.pk).first()
        versions = self.versions  # type: ignore[attr-defined]
        latest = versions.aggregate(latest=Max("version_number"))["latest"] or 0
        copy = type(self)(**{name: getattr(self, name) for name in self.content_fields()})
        copy.working_version = self
        copy.version_number = latest + 1
        copy.version_description = description
        copy.save()
        self.copy_related_to(copy)
        return copy

    def copy_related_to(self, version) -> None:
        """Hook: copy or link related rows (e.g. a chatbot's pipeline) into a new version."""

    def compare_with(self, other) -> list[tuple[str, object, object]]:
        """(field, this value, other value) for every content field that differs."""
        return [
            (name, getattr(self, name), getattr(other, name))
            for name in self.content_fields()
            if getattr(self, name) != getattr(other, name)
        ]
