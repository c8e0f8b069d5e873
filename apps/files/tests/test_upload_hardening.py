"""What a session may hold in all, how uploads are written (bytes first, rows in a short transaction,
nothing left behind on failure), and which version decides whether a session takes files."""

from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from apps.experiments import actions as experiment_actions
from apps.experiments.selectors import served_version
from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.exceptions import AttachmentError, FileTooLarge, UploadsDisabled
from apps.files.models import File
from apps.files.selectors import session_attachments
from apps.files.testing import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(team):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return chatbot


@pytest.fixture
def session(chatbot):
    return session_for(chatbot)


def stored_paths(media_root) -> list:
    return [path for path in (media_root / "files").rglob("*") if path.is_file()] if media_root.exists() else []


def test_a_session_holds_at_most_its_quota_across_requests(session, settings, media_root):
    settings.FILE_UPLOAD_MAX_SESSION_BYTES = 50  # each upload() is 23 bytes
    actions.store_upload(session=session, files=[upload("a.txt")])
    actions.store_upload(session=session, files=[upload("b.txt")])
    with pytest.raises(FileTooLarge, match="conversation's files would together be larger than 50 bytes"):
        actions.store_upload(session=session, files=[upload("c.txt")])
    assert File.objects.filter(session=session).count() == 2
    assert len(stored_paths(media_root)) == 2
    # The quota is per session: another conversation starts afresh.
    other = session_for(session.experiment, identifier="someone-else")
    actions.store_upload(session=other, files=[upload("c.txt")])


def test_the_quota_is_checked_again_with_the_session_locked(session, settings, media_root):
    """Two uploads racing past the early check: the one that commits second is refused, its bytes deleted."""
    settings.FILE_UPLOAD_MAX_SESSION_BYTES = 30
    real = actions._session_bytes
    calls = []

    def racing(session):
        calls.append(session)
        return real(session) if len(calls) == 1 else 23  # meanwhile another request stored 23 bytes

    with mock.patch.object(actions, "_session_bytes", racing), pytest.raises(FileTooLarge):
        actions.store_upload(session=session, files=[upload()])
    assert len(calls) == 2
    assert not File.objects.exists()
    assert stored_paths(media_root) == []


def test_bytes_are_written_outside_the_transaction_that_creates_the_rows(session):
    depth_at_start = len(connection.atomic_blocks)
    depths = []
    real_save = default_storage.save

    def save(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real_save(*args, **kwargs)

    with mock.patch.object(default_storage, "save", side_effect=save):
        stored = actions.store_upload(session=session, files=[upload("a.txt"), upload("b.txt")])
    assert depths == [depth_at_start, depth_at_start]  # no transaction of store_upload's own while writing
    assert [file.name for file in stored] == ["a.txt", "b.txt"]
    assert all(file.pk for file in stored)


@pytest.mark.parametrize("failure", ["row", "storage"])
def test_a_failure_deletes_every_written_file(session, media_root, failure):
    if failure == "row":
        real_save = File.save

        def save(self, *args, **kwargs):
            if self.name == "b.txt":
                raise RuntimeError("database went away")
            return real_save(self, *args, **kwargs)

        patch = mock.patch.object(File, "save", save)
    else:
        real_storage_save = default_storage.save
        calls = []

        def storage_save(name, content, **kwargs):
            calls.append(name)
            if len(calls) == 2:
                raise OSError("disk full")
            return real_storage_save(name, content, **kwargs)

        patch = mock.patch.object(default_storage, "save", side_effect=storage_save)
    with patch, pytest.raises((RuntimeError, OSError)):
        actions.store_upload(session=session, files=[upload("a.txt"), upload("b.txt"), upload("c.txt")])
    assert not File.objects.exists()
    assert stored_paths(media_root) == []


def test_the_served_version_is_pinned_else_published_else_the_working_copy(chatbot, session):
    assert served_version(session) == chatbot
    v1 = experiment_actions.create_chatbot_version(experiment=chatbot)
    assert served_version(session) == chatbot  # not published
    v2 = experiment_actions.create_chatbot_version(experiment=chatbot, publish=True)
    assert served_version(session) == v2
    session.version_number = v1.version_number
    assert served_version(session) == v1
    session.version_number = 99  # no such version: as if unpinned
    assert served_version(session) == v2


def test_uploads_follow_the_published_version_not_the_working_copy(chatbot, session):
    experiment_actions.create_chatbot_version(experiment=chatbot, publish=True)  # takes files
    chatbot.file_uploads_enabled = False  # an unpublished change
    chatbot.save()
    [file] = actions.store_upload(session=session, files=[upload()])
    assert session_attachments(session, [file.pk])[0]["file_id"] == file.pk

    chatbot.file_uploads_enabled = True
    chatbot.save()
    off = experiment_actions.create_chatbot_version(experiment=chatbot)
    off.file_uploads_enabled = False
    off.save()
    experiment_actions.publish_version(version=off)
    with pytest.raises(UploadsDisabled):
        actions.store_upload(session=session, files=[upload()])
    with pytest.raises(AttachmentError, match="not enabled"):
        session_attachments(session, [file.pk])


def test_a_pinned_session_follows_its_version_and_callers_may_name_the_version(chatbot, session):
    v1 = experiment_actions.create_chatbot_version(experiment=chatbot)
    v1.file_uploads_enabled = False
    v1.save()
    session.version_number = v1.version_number
    session.save()
    with pytest.raises(UploadsDisabled):
        actions.store_upload(session=session, files=[upload()])
    # A team member's page that talks to the working copy names it.
    [file] = actions.store_upload(session=session, files=[upload()], version=chatbot)
    assert session_attachments(session, [file.pk], chatbot)
    with pytest.raises(AttachmentError):
        session_attachments(session, [file.pk])
