"""A visitor signs up, verifies their address from the email and lands in their new environment."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from accounts.models import EnvironmentRole, User
from tests.e2e.conftest import SmtpInbox

pytestmark = pytest.mark.e2e


def test_visitor_signs_up_verifies_email_and_lands_on_the_dashboard_of_the_new_environment(
    page: Page, smtp: SmtpInbox
) -> None:
    page.goto("/accounts/signup/")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    page.get_by_label(re.compile(r"^First name")).fill("Eva")
    page.get_by_label(re.compile(r"^Last name")).fill("Visser")
    page.get_by_label(re.compile(r"^Company name")).fill("Visser Administratie")
    page.get_by_label(re.compile(r"^KvK number")).fill("12345678")
    page.get_by_label(re.compile(r"^Email")).fill("eva@visser-administratie.example")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long and unusual passphrase")
    page.get_by_label(re.compile(r"^Password \(again\)")).fill("a long and unusual passphrase")
    page.get_by_role("button", name=re.compile("sign up", re.IGNORECASE)).click()

    expect(page.get_by_role("heading", name=re.compile("verify your email", re.IGNORECASE))).to_be_visible()
    link = smtp.wait_for_link(to="eva@visser-administratie.example", pattern=r"/accounts/confirm-email/")
    assert link.startswith(page.url.split("/accounts/")[0])  # the live server's own address

    page.goto(link)
    page.get_by_role("button", name=re.compile("confirm", re.IGNORECASE)).click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Welcome to Visser Administratie")).to_be_visible()
    expect(page.locator(".topbar .user-name")).to_have_text("Eva Visser")
    user = User.objects.select_related("environment__plan").get(email="eva@visser-administratie.example")
    assert user.role == EnvironmentRole.ADMINISTRATOR
    assert user.home.name == "Visser Administratie"
    assert user.home.kvk_number == "12345678"
    assert user.home.plan.code == "invoice-portal"
    assert EmailAddress.objects.get(user=user).verified
