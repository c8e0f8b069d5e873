"""Guard: every field of a versioned model is classified as version content or identity, so a field
added later cannot be silently left out of (or wrongly copied into) versions."""

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from apps.teams.guards import unclassified_version_fields
from apps.utils.versioning import VersionedModel


def test_every_field_of_every_versioned_model_is_classified():
    assert unclassified_version_fields() == []


def test_the_guard_walks_the_versioned_models():
    from apps.experiments.models import ConsentForm, Experiment, SourceMaterial
    from apps.pipelines.models import Pipeline

    # If the walk stopped finding these, the test above would pass for nothing.
    found = {model for model in apps.get_models() if issubclass(model, VersionedModel)}
    assert found >= {Experiment, Pipeline, ConsentForm, SourceMaterial}


@isolate_apps("apps.utils")
def test_guard_catches_a_new_field_nobody_classified():
    class Recipe(VersionedModel):
        title = models.CharField(max_length=10)
        servings = models.IntegerField(default=1)

        VERSION_CONTENT_FIELDS = ("title", "gone")
        VERSION_IDENTITY_FIELDS = (*VersionedModel.VERSION_IDENTITY_FIELDS, "title")

        class Meta:
            app_label = "utils"

    assert unclassified_version_fields([Recipe]) == [
        "utils.Recipe.is_archived: neither content nor identity",
        "utils.Recipe.servings: neither content nor identity",
        "utils.Recipe.title: both content and identity",
        "utils.Recipe.created_at: classified but not a field",
        "utils.Recipe.gone: classified but not a field",
        "utils.Recipe.updated_at: classified but not a field",
    ]


def test_content_fields_follow_the_classification():
    from apps.pipelines.models import Pipeline

    assert Pipeline().content_fields() == ["team", "is_archived", "name", "description", "data"]
