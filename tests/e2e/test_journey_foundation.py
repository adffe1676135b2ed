"""The foundation journey: an administrator signs up, verifies their address from the email,
creates an organisation and invites a colleague, who signs up from the emailed invitation link
and lands in the same environment as a basic user."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import EnvironmentRole, User
from environments.models import Organisation
from tests.e2e.conftest import SmtpInbox

pytestmark = pytest.mark.e2e

PASSPHRASE = "a long and unusual passphrase"


def _sign_up_and_verify(page: Page, smtp: SmtpInbox) -> None:
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Create your environment")).to_be_visible()
    page.get_by_label(re.compile(r"^First name")).fill("Sanne")
    page.get_by_label(re.compile(r"^Last name")).fill("de Boer")
    page.get_by_label(re.compile(r"^Company name")).fill("De Boer Boekhouding")
    page.get_by_label(re.compile(r"^Email")).fill("sanne@deboer.example")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSPHRASE)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name=re.compile("verify your email", re.IGNORECASE))).to_be_visible()

    page.goto(smtp.wait_for_link(to="sanne@deboer.example", pattern=r"/accounts/confirm-email/"))
    page.get_by_role("button", name=re.compile("confirm", re.IGNORECASE)).click()
    expect(page.get_by_text("Welcome to De Boer Boekhouding")).to_be_visible()


def _create_organisation(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="New organisation").click()
    page.get_by_label(re.compile(r"^Name")).fill("Bloemenhandel De Boer B.V.")
    page.get_by_label(re.compile(r"^KvK number")).fill("24681357")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("heading", name="Bloemenhandel De Boer B.V.")).to_be_visible()
    expect(page.get_by_text("0106:24681357")).to_be_visible()


def _invite_colleague(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name="Invite a colleague").first.click()
    page.get_by_label(re.compile(r"^Email address")).fill("joris@deboer.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to joris@deboer.example.")).to_be_visible()
    expect(page.get_by_role("cell", name="joris@deboer.example")).to_be_visible()


def test_signup_organisation_invitation_and_colleague_joins_as_basic_user(
    page: Page, smtp: SmtpInbox, browser: Browser, portal: Any
) -> None:
    _sign_up_and_verify(page, smtp)
    _create_organisation(page)
    _invite_colleague(page)

    invitation_link = smtp.wait_for_link(to="joris@deboer.example", pattern=r"/invitations/")
    assert invitation_link.startswith(portal.url)
    colleague_context = browser.new_context(base_url=portal.url, locale="en-GB")
    colleague = colleague_context.new_page()
    try:
        colleague.goto(invitation_link)
        expect(colleague.get_by_role("heading", name="Join De Boer Boekhouding")).to_be_visible()
        colleague.get_by_label(re.compile(r"^First name")).fill("Joris")
        colleague.get_by_label(re.compile(r"^Last name")).fill("de Boer")
        colleague.get_by_label(re.compile(r"^Password:?$")).fill(PASSPHRASE + " too")
        colleague.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSPHRASE + " too")
        colleague.get_by_role("button", name="Create account and join").click()

        expect(colleague.get_by_text("Welcome to De Boer Boekhouding")).to_be_visible()
        expect(colleague.locator(".topbar .env-name")).to_have_text("De Boer Boekhouding")
        # A basic user: no settings in the menu, and no organisation until someone adds them.
        expect(colleague.get_by_role("link", name="Users")).to_have_count(0)
        expect(colleague.get_by_text("No organisations yet.")).to_be_visible()
    finally:
        colleague_context.close()

    administrator = User.objects.get(email="sanne@deboer.example")
    joined = User.objects.get(email="joris@deboer.example")
    assert joined.environment_id == administrator.environment_id
    assert joined.role == EnvironmentRole.BASIC_USER
    assert administrator.role == EnvironmentRole.ADMINISTRATOR
    assert Organisation.objects.get(kvk_number="24681357").environment_id == administrator.environment_id
