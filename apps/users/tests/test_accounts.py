import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.users.models import CustomUser
from apps.users.tests.factories import TEST_PASSWORD, UserFactory


@pytest.mark.django_db
def test_sign_up_sends_verification_and_leads_to_team_creation(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
        follow=True,
    )
    assert CustomUser.objects.filter(email="new@example.com").exists()
    assert response.redirect_chain[-1][0] == reverse("account_teams:create")
    assert "confirm" in mail.outbox[0].subject.lower()
    confirm_url = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    path = confirm_url.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 302
    assert CustomUser.objects.get(email="new@example.com").emailaddress_set.get().verified


@pytest.mark.django_db
def test_sign_up_with_bad_input_shows_field_errors(client):
    UserFactory(email="taken@example.com")
    response = client.post(
        reverse("account_signup"), {"email": "taken@example.com", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert b'data-field-error="email"' in response.content
    assert b'data-field-error="password1"' in response.content or b'data-field-error="password2"' in response.content
    assert CustomUser.objects.count() == 1


@pytest.mark.django_db
def test_log_in_and_out(client):
    user = UserFactory(email="me@example.com")
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302  # to team creation: logged in, no team yet
    assert int(client.session["_auth_user_id"]) == user.pk
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_password_is_a_form_error(client):
    UserFactory(email="me@example.com")
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert b"alert-error" in response.content


@pytest.mark.django_db
def test_password_reset_email_is_sent(client):
    UserFactory(email="forgot@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["forgot@example.com"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_login_page_does_not_echo_the_password(client):
    response = client.post(reverse("account_login"), {"login": "nobody@example.com", "password": "s3cret-value"})
    assert b"s3cret-value" not in response.content
