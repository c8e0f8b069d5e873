"""What the pipeline's repository hands an LLM node of a message's images: only this team's images,
within the size limit, and nothing when the bytes cannot be read."""

import logging

import pytest

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.testing import PNG, upload
from apps.pipelines.runtime.orm_repository import OrmRepository
from apps.service_providers.models import LlmProviderModel

pytestmark = pytest.mark.django_db


def session_with_uploads(team):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return session_for(chatbot)


def stored(session, name="photo.png", content=PNG, content_type="image/png"):
    [file] = actions.store_upload(session=session, files=[upload(name, content, content_type)])
    return file


def test_only_this_teams_images_within_the_limit(team, other_team, media_root, caplog):
    ours = session_with_uploads(team)
    photo = stored(ours)
    repo = OrmRepository(team)
    assert repo.attachment_image(photo.pk, 1000) == (PNG, "image/png")
    assert repo.attachment_image(photo.pk, len(PNG) - 1) is None  # over the limit
    assert repo.attachment_image(stored(ours, "notes.txt", b"text", "text/plain").pk, 1000) is None  # not an image
    theirs = stored(session_with_uploads(other_team))
    assert repo.attachment_image(theirs.pk, 1000) is None
    photo.file.storage.delete(photo.file.name)  # the bytes are gone
    with caplog.at_level(logging.WARNING):
        assert repo.attachment_image(photo.pk, 1000) is None
    assert "Could not read image" in caplog.text


def test_which_models_accept_images(team):
    repo = OrmRepository(team)
    catalogue = LlmProviderModel.objects.filter(team=None)
    assert repo.model_accepts_images(catalogue.get(type="openai", name="gpt-4o-mini").pk)
    assert not repo.model_accepts_images(catalogue.get(type="local", name="gemma-3-270m").pk)
