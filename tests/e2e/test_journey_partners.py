"""The partnership journey: an accountant finds a client in the directory by KvK number and sends
a relationship request; the client's administrator opens the emailed link, signs in and accepts;
the client opens an organisation to the accountant; an administrator connects a relationship
manager; the client ends the partnership, and the accountant's next click on that organisation is
a 404 while the client's organisation and its documents are still there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from documents.models import Invoice
from environments.models import Organisation
from partners.models import Partnership, PartnershipStatus
from tests.documents.factories import draft_invoice
from tests.e2e.conftest import SmtpInbox
from tests.factories import (
    TEST_PASSWORD,
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
)
from tests.partners.factories import RelationshipManagerFactory

pytestmark = pytest.mark.e2e

ACCOUNTANT = "anna@devries.example"
FIRM_ADMIN = "bram@devries.example"
FIRM_MANAGER = "rita@devries.example"
CLIENT_ADMIN = "jan@jansen.example"


def sign_in(page: Page, email: str) -> None:
    """Fill in the sign-in form the page is showing."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label(re.compile(r"^Email")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def test_partnership_from_directory_search_to_ending(
    page: Page, smtp: SmtpInbox, browser: Browser, portal: Any
) -> None:
    firm = EnvironmentFactory(name="Boekhouding De Vries", kvk_number="11112222")
    AdvancedUserFactory(environment=firm, email=ACCOUNTANT, first_name="Anna", last_name="de Vries")
    AdministratorFactory(environment=firm, email=FIRM_ADMIN, first_name="Bram", last_name="de Vries")
    RelationshipManagerFactory(environment=firm, email=FIRM_MANAGER, first_name="Rita", last_name="Smit")
    client = EnvironmentFactory(name="Bakkerij Jansen", kvk_number="33334444")
    AdministratorFactory(environment=client, email=CLIENT_ADMIN, first_name="Jan", last_name="Jansen")
    bakery = OrganisationFactory(environment=client, name="Bakkerij Jansen B.V.", kvk_number="33334444")
    invoice = draft_invoice(bakery, number="BJ-2026-001")

    # The accountant finds the client by KvK number and sends a relationship request.
    page.goto("/")
    sign_in(page, ACCOUNTANT)
    nav(page, "Find partners")
    page.get_by_placeholder("Name or KvK number").fill("33334444")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text="Bakkerij Jansen")
    row.get_by_role("link", name="Send relationship request").click()
    page.get_by_label("Message").fill("We would like to handle your invoices.")
    page.get_by_role("button", name="Send relationship request").click()
    expect(page.get_by_text("Relationship request sent to Bakkerij Jansen.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Bakkerij Jansen")).to_contain_text("Pending")

    # The client's administrator opens the emailed link, signs in, lands back on it and accepts.
    link = smtp.wait_for_link(to=CLIENT_ADMIN, pattern=r"/partners/requests/link/")
    assert link.startswith(portal.url)
    client_context = browser.new_context(base_url=portal.url, locale="en-GB")
    client_page = client_context.new_page()
    try:
        client_page.goto(link)
        sign_in(client_page, CLIENT_ADMIN)
        expect(
            client_page.get_by_role("heading", name="Boekhouding De Vries asks to become your partner")
        ).to_be_visible()
        expect(client_page.get_by_text("We would like to handle your invoices.")).to_be_visible()
        client_page.get_by_role("button", name="Accept").click()
        expect(
            client_page.get_by_role("heading", name="Partnership with Boekhouding De Vries")
        ).to_be_visible()
        expect(client_page.get_by_text("You are now partners with Boekhouding De Vries")).to_be_visible()

        # Both see the partnership.
        smtp.wait_for(to=ACCOUNTANT, subject="You are now partners with Bakkerij Jansen")
        nav(page, "Partnerships")
        expect(page.get_by_role("link", name="Bakkerij Jansen")).to_be_visible()
        nav(client_page, "Partnerships")
        expect(client_page.get_by_role("link", name="Boekhouding De Vries")).to_be_visible()

        # The client adds the accountant as member of its organisation.
        nav(client_page, "Organisations")
        client_page.get_by_role("link", name="Bakkerij Jansen B.V.").click()
        client_page.get_by_role("link", name="Members").click()
        client_page.get_by_label("User").select_option(
            label=f"Anna de Vries <{ACCOUNTANT}> (Boekhouding De Vries)"
        )
        client_page.get_by_label("Role").select_option(label="Member")
        client_page.get_by_role("button", name="Add", exact=True).click()
        expect(client_page.get_by_text("Anna de Vries added.")).to_be_visible()

        # The accountant opens it, marked as a partner's organisation.
        nav(page, "Organisations")
        page.get_by_role("link", name="Bakkerij Jansen B.V.").click()
        expect(page.get_by_role("heading", name="Bakkerij Jansen B.V.")).to_be_visible()
        expect(
            page.get_by_text("This organisation belongs to Bakkerij Jansen, a partner environment.")
        ).to_be_visible()
        nav(page, "Organisations")

        # An administrator of the firm connects a relationship manager; the client sees the contact.
        admin_context = browser.new_context(base_url=portal.url, locale="en-GB")
        admin_page = admin_context.new_page()
        try:
            admin_page.goto("/")
            sign_in(admin_page, FIRM_ADMIN)
            nav(admin_page, "Relationship managers")
            partner_row = admin_page.get_by_role("row").filter(has_text="Bakkerij Jansen")
            partner_row.get_by_label("Relationship manager").select_option(label="Rita Smit")
            partner_row.get_by_role("button", name="Connect").click()
            expect(admin_page.get_by_text("Rita Smit is now connected.")).to_be_visible()
        finally:
            admin_context.close()
        smtp.wait_for(to=FIRM_MANAGER, subject="You are relationship manager for Bakkerij Jansen")
        nav(client_page, "Partnerships")
        client_page.get_by_role("link", name="Boekhouding De Vries").click()
        expect(client_page.get_by_role("link", name=FIRM_MANAGER)).to_be_visible()

        # The client ends the partnership after the confirmation page.
        client_page.get_by_role("link", name="End partnership").click()
        expect(
            client_page.get_by_role("heading", name="End the partnership with Boekhouding De Vries?")
        ).to_be_visible()
        expect(client_page.get_by_text("memberships of users across the two environments")).to_be_visible()
        expect(client_page.get_by_text("Documents are not deleted")).to_be_visible()
        client_page.get_by_role("button", name="End partnership").click()
        expect(
            client_page.get_by_text(
                "The partnership with Boekhouding De Vries has ended. Both sides were told."
            )
        ).to_be_visible()
        smtp.wait_for(to=FIRM_MANAGER, subject="The partnership with Bakkerij Jansen has ended")

        # The accountant's next click on that organisation is a 404 page.
        page.get_by_role("link", name="Bakkerij Jansen B.V.").click()
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

        # The client's organisation and its documents are still there.
        nav(client_page, "Organisations")
        client_page.get_by_role("link", name="Bakkerij Jansen B.V.").click()
        client_page.get_by_role("link", name="Documents").last.click()
        expect(client_page.get_by_role("link", name="BJ-2026-001")).to_be_visible()
    finally:
        client_context.close()

    partnership = Partnership.objects.get()
    assert partnership.status == PartnershipStatus.ENDED
    assert Organisation.objects.filter(pk=bakery.pk).exists()
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert not bakery.memberships.filter(user__email=ACCOUNTANT).exists()
