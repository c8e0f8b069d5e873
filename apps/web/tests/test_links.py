"""Links and the site's name: `PORT=8101 make run` must not produce links to port 8000, and account
emails must not say "[example.com]" (issue 13)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

from apps.teams.emails import send_invitation_email
from apps.teams.tests.factories import InvitationFactory
from apps.users.tests.factories import TEST_PASSWORD
from apps.utils.site import absolute_url, site_url
from apps.web.actions import sync_site
from apps.web.management.commands.runplatform import site_url_environment

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_gives_its_children_the_port_it_serves_unless_site_url_is_set(settings):
    settings.SITE_URL_IS_SET = False
    assert site_url_environment("http://localhost:8101") == {
        "SITE_URL": "http://localhost:8101",
        "SITE_URL_FROM_PORT": "1",
    }
    settings.SITE_URL_IS_SET = True
    assert site_url_environment("http://localhost:8101") == {}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"SITE_URL": "http://localhost:8101", "SITE_URL_FROM_PORT": "1"}, "http://localhost:8101 False"),
        ({"SITE_URL": "https://bots.example.org/"}, "https://bots.example.org True"),
        ({}, "http://localhost:8000 False"),
    ],
)
def test_settings_tell_a_chosen_site_url_from_one_derived_from_the_port(extra, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "SITE_URL_FROM_PORT")}
    code = "from config import settings as s; print(s.SITE_URL, s.SITE_URL_IS_SET)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == expected, result.stderr


def test_absolute_urls_follow_the_request_host_only_when_site_url_is_not_set(rf, settings):
    request = rf.get("/", HTTP_HOST="127.0.0.1:8101")
    settings.SITE_URL, settings.SITE_URL_IS_SET = "http://localhost:8000", False
    assert absolute_url("/c/x/", request) == "http://127.0.0.1:8101/c/x/"
    assert site_url(request) == "http://127.0.0.1:8101"
    assert absolute_url("/c/x/") == "http://localhost:8000/c/x/"  # no request: SITE_URL
    settings.SITE_URL, settings.SITE_URL_IS_SET = "https://bots.example.org", True
    assert site_url(request) == "https://bots.example.org"


@pytest.mark.django_db
def test_invitation_emails_link_to_site_url(settings, team):
    settings.SITE_URL = "http://localhost:8101"  # as exported by `make run` on PORT=8101
    invitation = InvitationFactory(team=team, email="new@example.com")
    send_invitation_email(invitation.pk)
    url = "http://localhost:8101" + reverse("account_teams:accept_invitation", args=[invitation.token])
    assert url in mail.outbox[0].body


@pytest.fixture
def site_cache():
    yield
    Site.objects.clear_cache()  # the test's Site row is rolled back; its cached copy must go too


@pytest.mark.django_db
@pytest.mark.usefixtures("site_cache")
def test_confirmation_emails_use_the_sites_name_not_example_com(client, settings):
    settings.SITE_NAME = "Clinic Bots"
    site = sync_site(site_url="http://localhost:8101")
    assert (site.domain, site.name) == ("localhost:8101", "Clinic Bots")
    client.post(
        reverse("account_signup"),
        {"email": "clinic-admin@example.com", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
    )
    subject = mail.outbox[0].subject
    assert subject.startswith("[Clinic Bots]")
    assert "example.com" not in subject


@pytest.mark.django_db
def test_migrate_leaves_the_site_named_after_the_settings(settings):
    # The test database was built by migrate, whose post_migrate hook ran sync_site().
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == settings.SITE_NAME
    assert site.domain != "example.com"
