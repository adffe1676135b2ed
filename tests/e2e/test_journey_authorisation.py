"""The authorisation-request journey: the demo firm's advanced user asks a client without an
account for access; the client signs up from the emailed link, lowers the role to member and
accepts; the accountant sees the partnership and the client, retrieves the connection key, and
the firm's billing shows the connection it now pays for."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from connections.models import ConnectionKey
from environments.models import OrganisationMembership, OrganisationRole
from tests.e2e.conftest import SmtpInbox

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-portal-2025"
ADVISOR = "advisor@demo-accountants.example"
FIRM_ADMIN = "admin@demo-accountants.example"
CLIENT = "eigenaar@fietsenmaker-bos.example"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile(r"^Email")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _send_request(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authorisation requests").click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label(re.compile(r"^Client name")).fill("Fietsenmaker Bos")
    page.get_by_label(re.compile(r"^Client email")).fill(CLIENT)
    page.get_by_label(re.compile(r"^KvK number")).fill("71234567")
    page.get_by_label(re.compile(r"^Organisation name")).fill("Fietsenmaker Bos B.V.")
    page.get_by_label(re.compile(r"^Software package")).select_option(label="Moneybird")
    page.get_by_label(re.compile(r"^Role asked for")).select_option(label="Administrator")
    page.get_by_label(re.compile(r"^Who pays")).select_option(label="Our environment pays")
    page.get_by_label(re.compile(r"^Message")).fill("Wij nemen graag uw facturatie over.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text(f"Request sent to {CLIENT}.")).to_be_visible()


def _client_signs_up_and_accepts_as_member(browser: Browser, portal: Any, link: str) -> None:
    context = browser.new_context(base_url=portal.url, locale="en-GB")
    client = context.new_page()
    try:
        client.goto(link)
        expect(
            client.get_by_role("heading", name="Demo Accountants B.V. asks to work for you")
        ).to_be_visible()
        client.get_by_label(re.compile(r"^First name")).fill("Bram")
        client.get_by_label(re.compile(r"^Last name")).fill("Bos")
        client.get_by_label(re.compile(r"^Company name")).fill("Fietsenmaker Bos")
        client.get_by_label(re.compile(r"^Password:?$")).fill("fietsen en wielen 2026")
        client.get_by_label(re.compile(r"^Password \(again\)")).fill("fietsen en wielen 2026")
        client.get_by_label(re.compile(r"^Role to grant")).select_option(label="Member")
        client.get_by_role("button", name="Create account and accept").click()
        expect(client.get_by_text("Welcome! Your environment is ready")).to_be_visible()
        expect(client.get_by_role("cell", name=re.compile("Demo Accountants"))).to_be_visible()
    finally:
        context.close()


def test_client_without_account_signs_up_from_the_link_and_the_firm_gets_to_work(
    page: Page, smtp: SmtpInbox, browser: Browser, portal: Any
) -> None:
    call_command("seed_demo", verbosity=0)
    _sign_in(page, ADVISOR)
    _send_request(page)

    link = smtp.wait_for_link(to=CLIENT, pattern=r"/authorise/")
    _client_signs_up_and_accepts_as_member(browser, portal, link)

    membership = OrganisationMembership.objects.get(user__email=ADVISOR, organisation__kvk_number="71234567")
    assert membership.role == OrganisationRole.MEMBER
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partnerships").click()
    expect(page.get_by_role("cell", name=re.compile("Fietsenmaker Bos")).first).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("cell", name=re.compile("Fietsenmaker Bos B.V.")).first).to_be_visible()
    page.get_by_role("link", name="Connection key").click()
    page.get_by_role("link", name="Retrieve connection key").click()
    page.get_by_role("button", name="Retrieve key").click()
    secret = page.locator("#secret").inner_text().strip()
    assert len(secret) >= 40
    assert (
        ConnectionKey.objects.filter(
            revoked_at__isnull=True, connection__organisation__kvk_number="71234567"
        ).count()
        == 1
    )

    admin_context = browser.new_context(base_url=portal.url, locale="en-GB")
    admin = admin_context.new_page()
    try:
        _sign_in(admin, FIRM_ADMIN)
        admin.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
        expect(admin.get_by_role("cell", name="Fietsenmaker Bos B.V.", exact=True)).to_be_visible()
        expect(admin.get_by_text("2 of clients")).to_be_visible()  # the demo bakery and the new client
    finally:
        admin_context.close()
