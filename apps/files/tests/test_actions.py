"""Storing uploads, attaching them to messages, and what the pipeline sees of them."""

import stat

import pytest

from apps.experiments.tests.factories import session_for, simple_chatbot
from apps.files import actions
from apps.files.exceptions import AttachmentError, FileTooLarge, FileTypeNotAllowed, UploadsDisabled
from apps.files.models import File, safe_name
from apps.files.pipeline_input import message_with_attachments
from apps.files.selectors import session_attachments
from apps.files.testing import PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    chatbot = simple_chatbot(team)
    chatbot.file_uploads_enabled = True
    chatbot.save()
    return session_for(chatbot)


def test_an_upload_is_stored_under_a_path_nobody_can_guess(session, media_root):
    [stored] = actions.store_upload(
        session=session, files=[upload("../../etc/My Notes.txt")], uploaded_by=session.participant
    )
    assert (stored.name, stored.content_type, stored.size) == ("My Notes.txt", "text/plain", 23)
    assert (stored.team, stored.session, stored.uploaded_by) == (session.team, session, session.participant)
    folder, team_id, random, name = stored.file.name.split("/")
    assert (folder, team_id, name) == ("files", str(session.team_id), "My_Notes.txt")
    assert len(random) == 32
    assert (media_root / stored.file.name).read_bytes() == b"Take two tablets daily."


def test_uploads_are_private_to_the_servers_user(session, media_root):
    # 0644 files in 0755 folders let any other local account, or a sandbox escape running as another
    # uid, read every team's uploads.
    [stored] = actions.store_upload(session=session, files=[upload()])
    path = media_root / stored.file.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    folders = [folder for folder in path.parents if folder.is_relative_to(media_root)]
    assert len(folders) == 4  # media/files/<team>/<random>/
    assert {stat.S_IMODE(folder.stat().st_mode) for folder in folders} == {0o700}


def test_safe_names():
    assert safe_name("..") == "file"
    assert safe_name("a/b\\c d.pdf") == "c_d.pdf"
    long = safe_name("x" * 300 + ".pdf")
    assert len(long) <= 100
    assert long.endswith(".pdf")


def test_uploads_must_be_enabled(session):
    session.experiment.file_uploads_enabled = False
    session.experiment.save()
    with pytest.raises(UploadsDisabled):
        actions.store_upload(session=session, files=[upload()])
    assert not File.objects.exists()


def test_size_limits(session, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 10
    with pytest.raises(FileTooLarge, match="larger than 10 bytes"):
        actions.store_upload(session=session, files=[upload()])
    settings.FILE_UPLOAD_MAX_BYTES = 100
    settings.FILE_UPLOAD_MAX_TOTAL_BYTES = 30
    with pytest.raises(FileTooLarge, match="together"):
        actions.store_upload(session=session, files=[upload(), upload("b.txt")])
    assert not File.objects.exists()


def test_a_bad_file_refuses_the_whole_request(session, media_root):
    with pytest.raises(FileTypeNotAllowed, match="tool.exe"):
        actions.store_upload(
            session=session, files=[upload(), upload("tool.exe", b"MZ\x90\x00", "application/octet-stream")]
        )
    assert not File.objects.exists()
    assert not (media_root / "files").exists()


def test_attachments_must_be_files_of_the_session(session, team):
    first, second = actions.store_upload(session=session, files=[upload(), upload("p.png", PNG, "image/png")])
    assert session_attachments(session, [second.pk, first.pk, second.pk]) == [
        {"file_id": second.pk, "name": "p.png", "content_type": "image/png", "size": len(PNG)},
        {"file_id": first.pk, "name": "notes.txt", "content_type": "text/plain", "size": 23},
    ]
    other_session = session_for(session.experiment, identifier="someone-else")
    [theirs] = actions.store_upload(session=other_session, files=[upload()])
    with pytest.raises(AttachmentError, match=str(theirs.pk)):
        session_attachments(session, [first.pk, theirs.pk])
    with pytest.raises(AttachmentError):
        session_attachments(session, [2**70])
    assert session_attachments(session, []) == []


def test_the_pipeline_reads_text_files_and_names_the_others(session):
    files = actions.store_upload(
        session=session,
        files=[upload(), upload("data.json", b'{"dose": 2}', "application/json"), upload("x.png", PNG, "image/png")],
    )
    attachments = session_attachments(session, [f.pk for f in files])
    message = message_with_attachments(session.team_id, "What should I take?", attachments)
    assert message == (
        "What should I take?\n\n"
        "### Attached file: notes.txt (text/plain)\n\nTake two tablets daily.\n\n"
        '### Attached file: data.json (application/json)\n\n{"dose": 2}\n\n'
        "### Attached image: x.png (image/png)"
    )
    assert message_with_attachments(session.team_id, "Hi", []) == "Hi"
    # Another team's id never reads that team's file.
    assert "Take two" not in message_with_attachments(session.team_id + 1, "Hi", attachments)


def test_delete_file_removes_the_bytes_after_commit(session, media_root, django_capture_on_commit_callbacks):
    [stored] = actions.store_upload(session=session, files=[upload()])
    path = media_root / stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_file(stored)
    assert not path.exists()
    assert not File.objects.exists()


def test_uploads_never_sent_are_deleted_after_a_day(session, media_root, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from apps.chat.models import ChatMessage
    from apps.files.tasks import delete_unattached_uploads

    sent, forgotten, fresh = actions.store_upload(session=session, files=[upload("a.txt"), upload("b.txt"), upload()])
    ChatMessage.objects.create(
        team=session.team, chat=session.chat, message_type="human", content="see", attachments=[sent.as_attachment()]
    )
    File.objects.filter(pk__in=[sent.pk, forgotten.pk]).update(created_at=timezone.now() - timedelta(days=2))
    forgotten_path = media_root / forgotten.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_unattached_uploads.delay().get() == 1
    assert set(File.objects.values_list("pk", flat=True)) == {sent.pk, fresh.pk}
    assert not forgotten_path.exists()


def test_uploads_stored_before_the_permission_settings_are_made_private(tmp_path):
    from apps.files.permissions import make_private

    folder = tmp_path / "files" / "7" / "abc"
    folder.mkdir(parents=True)
    old = folder / "report.pdf"
    old.write_bytes(b"%PDF")
    for path, mode in ((tmp_path, 0o755), (tmp_path / "files", 0o755), (folder, 0o755), (old, 0o644)):
        path.chmod(mode)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-outside"
    elsewhere.write_text("not ours")
    elsewhere.chmod(0o644)
    (folder / "link").symlink_to(elsewhere)

    assert make_private(tmp_path) == 5  # root, files/, files/7/, files/7/abc/, the file
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path, folder.parent, folder)} == {0o700}
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644  # a link's target is left alone
    assert make_private(tmp_path) == 0
