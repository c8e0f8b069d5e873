"""A new user signs up, creates a team and invites a colleague, who accepts; roles limit what each sees."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.users.tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(page, email: str, next_path: str = "") -> None:
    page.goto("/accounts/signup/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("Password (again)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()


def test_sign_up_create_team_invite_and_accept(page, new_page):
    sign_up(page, "founder@example.com")
    expect(page).to_have_url(re.compile(r"/teams/create/$"))
    page.get_by_label("Team name").fill("Malaria Helpline")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Malaria Helpline")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("You are its Super Admin")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Team settings").click()
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator('[data-field-error="email"]')).to_be_visible()
    page.get_by_label("Email address").fill("colleague@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitations")).to_contain_text("colleague@example.com")

    invitation_mail = next(m for m in mail.outbox if m.to == ["colleague@example.com"])
    accept_path = re.search(r"https?://[^/]+(/teams/invitation/[0-9a-f-]+/)", invitation_mail.body).group(1)

    colleague = new_page()
    colleague.goto(accept_path)
    expect(colleague.get_by_role("heading", name="Join Malaria Helpline")).to_be_visible()
    colleague.get_by_role("main").get_by_role("link", name="Sign up").click()
    colleague.get_by_label("Email").fill("colleague@example.com")
    colleague.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    colleague.get_by_label("Password (again)").fill(TEST_PASSWORD)
    colleague.get_by_role("button", name="Sign Up").click()
    colleague.get_by_role("button", name="Accept invitation").click()
    expect(colleague.get_by_role("heading", name="Malaria Helpline")).to_be_visible()

    # The invitee is a Chatbot Admin: may see members, may not invite.
    colleague.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Team settings").click()
    expect(colleague.get_by_test_id("members")).to_contain_text("founder@example.com")
    expect(colleague.get_by_text("Invite a member")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("members")).to_contain_text("colleague@example.com")


def test_theme_switch_is_remembered(page, admin_user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Theme").click()
    page.get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.set_viewport_size({"width": 390, "height": 800})
    expect(page.get_by_role("button", name="Theme")).to_be_visible()
