from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from documents.models import Invoice, InvoiceDirection, InvoiceStatus
from documents.ubl import invoice_to_ubl
from tests.actors import World
from tests.documents.factories import delivered_invoice, draft_invoice
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "number": "2026-0001",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "currency": "EUR",
        "counterparty_name": "Customer B.V.",
        "counterparty_peppol_id": "0106:99999999",
        "counterparty_vat_number": "",
        "buyer_reference": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
        "lines-0-description": "Advice",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "100.00",
        "lines-0-vat_rate": "21.00",
        "lines-1-description": "Books",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "10.00",
        "lines-1-vat_rate": "9.00",
        # An untouched extra row is ignored.
        "lines-2-description": "",
        "lines-2-quantity": "1",
        "lines-2-unit_price": "",
        "lines-2-vat_rate": "21.00",
    }
    data.update(overrides)
    return data


def test_a_member_creates_a_draft_with_lines_and_computed_totals(world: World, client_for: ClientFor) -> None:
    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_create", kwargs={"pk": world.org.pk}), _form()
    )

    invoice = Invoice.objects.get(organisation=world.org)
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:invoice_detail", kwargs={"pk": invoice.pk})
    assert invoice.created_by == world["org_member"]
    assert invoice.lines.count() == 2
    assert invoice.total_incl_vat == Decimal("242.00") + Decimal("10.90")


def test_bad_invoice_input_shows_field_errors_and_saves_nothing(world: World, client_for: ClientFor) -> None:
    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_create", kwargs={"pk": world.org.pk}),
        _form(
            due_date="2026-02-01",
            counterparty_peppol_id="nonsense",
            **{"lines-0-quantity": "-1", "lines-0-vat_rate": "19", "lines-1-unit_price": "abc"},
        ),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "The due date cannot be before the issue date." in content
    assert "A Peppol participant id looks like 0106:12345678." in content
    assert "Select a valid choice." in content
    assert not Invoice.objects.exists()


def test_a_duplicate_number_is_a_form_error(world: World, client_for: ClientFor) -> None:
    draft_invoice(world.org, number="2026-0001")

    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_create", kwargs={"pk": world.org.pk}), _form()
    )

    assert response.status_code == 200
    assert "already has an invoice with this number" in response.content.decode()


def test_editing_a_draft_replaces_its_lines(world: World, client_for: ClientFor) -> None:
    invoice = draft_invoice(world.org, number="E-1")

    response = client_for(world["org_admin"]).post(
        reverse("documents:invoice_edit", kwargs={"pk": invoice.pk}),
        _form(number="E-1", **{"lines-INITIAL_FORMS": "1", "lines-1-DELETE": "on"}),
    )

    assert response.status_code == 302
    assert [line.description for line in invoice.lines.all()] == ["Advice"]


def test_sending_from_the_portal_delivers_after_commit(
    world: World,
    client_for: ClientFor,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    recipient = OrganisationFactory()
    invoice = draft_invoice(world.org, counterparty_peppol_id=recipient.peppol_id)
    client = client_for(world["partner_member"])

    confirmation = client.get(reverse("documents:invoice_send", kwargs={"pk": invoice.pk}))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:invoice_send", kwargs={"pk": invoice.pk}))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("documents:invoice_send", kwargs={"pk": invoice.pk}), follow=True)

    invoice.refresh_from_db()
    assert (
        confirmation.status_code == 200
        and Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DELIVERED
    )
    assert "This invoice has already been sent." in second.content.decode()
    assert Invoice.objects.filter(organisation=recipient).count() == 1


def test_a_failed_invoice_shows_the_reason(
    world: World, client_for: ClientFor, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    invoice = draft_invoice(world.org, counterparty_peppol_id="0106:00000001")
    client = client_for(world["org_member"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:invoice_send", kwargs={"pk": invoice.pk}))
    response = client.get(reverse("documents:invoice_detail", kwargs={"pk": invoice.pk}))

    assert "No organisation with Peppol id 0106:00000001 is on the platform." in response.content.decode()


def test_the_ubl_download_is_the_bis_xml(world: World, client_for: ClientFor) -> None:
    invoice = draft_invoice(world.org)

    response = client_for(world["org_member"]).get(
        reverse("documents:invoice_ubl", kwargs={"pk": invoice.pk})
    )

    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert f'filename="invoice-{invoice.number}.xml"' in response["Content-Disposition"]
    assert response.content == invoice_to_ubl(invoice)


def test_uploading_a_ubl_file_creates_the_incoming_invoice(world: World, client_for: ClientFor) -> None:
    supplier = OrganisationFactory(name="Supplier B.V.")
    outgoing = draft_invoice(supplier, counterparty_peppol_id=world.org.peppol_id, number="UP-1")
    upload = SimpleUploadedFile("invoice.xml", invoice_to_ubl(outgoing), content_type="application/xml")

    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_upload", kwargs={"pk": world.org.pk}),
        {"direction": "incoming", "file": upload},
    )

    received = Invoice.objects.get(organisation=world.org)
    assert response.status_code == 302
    assert (received.direction, received.status, received.counterparty_name) == (
        InvoiceDirection.INCOMING,
        InvoiceStatus.RECEIVED,
        "Supplier B.V.",
    )


def test_uploading_an_invalid_file_lists_what_is_wrong(world: World, client_for: ClientFor) -> None:
    upload = SimpleUploadedFile(
        "invoice.xml",
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:ID '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">1</cbc:ID></Invoice>',
    )

    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_upload", kwargs={"pk": world.org.pk}),
        {"direction": "incoming", "file": upload},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "This file cannot be imported" in content
    for problem in (
        "cbc:CustomizationID is missing.",
        "cbc:IssueDate is missing.",
        "cac:InvoiceLine is missing",
    ):
        assert problem in content
    assert not Invoice.objects.exists()


def test_the_organisation_list_filters_by_direction_status_date_counterparty_and_number(
    world: World, client_for: ClientFor
) -> None:
    draft_invoice(world.org, number="KEEP-1", counterparty_name="Acme")
    draft_invoice(world.org, number="OTHER-2", counterparty_name="Acme")
    draft_invoice(world.org, number="KEEP-3", counterparty_name="Zeta")
    delivered_invoice(OrganisationFactory(), world.org, number="KEEP-4")
    url = reverse("documents:organisation_invoice_list", kwargs={"pk": world.org.pk})
    client = client_for(world["org_member"])

    by_number = client.get(
        url, {"number": "KEEP", "counterparty": "acme", "direction": "outgoing", "status": "draft"}
    )
    by_date = client.get(url, {"date_from": "2026-03-02"})
    bad_date = client.get(url, {"date_from": "not-a-date"})

    assert [invoice.number for invoice in by_number.context["page"]] == ["KEEP-1"]
    assert list(by_date.context["page"]) == []
    assert bad_date.status_code == 200 and len(bad_date.context["page"]) == 4


def test_all_documents_lists_invoices_of_every_reachable_organisation_only(
    world: World, client_for: ClientFor
) -> None:
    draft_invoice(world.org, number="HOME-1")
    draft_invoice(world.foreign_org, number="FOREIGN-1")
    partner_org = OrganisationFactory(environment=world.partner_env, name="Partner's own B.V.")
    draft_invoice(partner_org, number="PARTNER-OWN-1")

    partner = client_for(world["partner_member"]).get(reverse("documents:invoice_list"))
    foreign = client_for(world["foreign"]).get(reverse("documents:invoice_list"))
    basic = client_for(world["basic"]).get(reverse("documents:invoice_list"))
    filtered = client_for(world["partner_member"]).get(
        reverse("documents:invoice_list"), {"organisation": "Home", "direction": "incoming"}
    )

    assert [invoice.number for invoice, _can_send in partner.context["rows"]] == ["HOME-1"]
    assert [invoice.number for invoice, _can_send in foreign.context["rows"]] == ["FOREIGN-1"]
    assert basic.context["rows"] == []
    assert filtered.context["rows"] == []


def test_navigation_shows_documents_and_clients_to_those_who_can_have_clients(
    world: World, client_for: ClientFor
) -> None:
    basic = client_for(world["basic"]).get(reverse("dashboard")).content.decode()
    partner = client_for(world["partner_member"]).get(reverse("dashboard")).content.decode()

    assert reverse("documents:invoice_list") in basic and reverse("documents:client_list") not in basic
    assert reverse("documents:invoice_list") in partner and reverse("documents:client_list") in partner


def test_organisation_tabs_show_documents_to_members_and_connections_to_administrators(
    world: World, client_for: ClientFor
) -> None:
    url = reverse("environments:organisation_detail", kwargs={"pk": world.org.pk})
    documents = reverse("documents:organisation_invoice_list", kwargs={"pk": world.org.pk})
    connections = reverse("connections:connection_list", kwargs={"pk": world.org.pk})

    member = client_for(world["org_member"]).get(url).content.decode()
    administrator = client_for(world["org_admin"]).get(url).content.decode()

    assert documents in member and connections not in member
    assert documents in administrator and connections in administrator


def test_an_invoice_without_lines_asks_for_a_line_in_plain_words(world: World, client_for: ClientFor) -> None:
    response = client_for(world["org_member"]).post(
        reverse("documents:invoice_create", kwargs={"pk": world.org.pk}),
        _form(
            **{
                "lines-0-description": "",
                "lines-0-quantity": "1",
                "lines-0-unit_price": "",
                "lines-1-description": "",
                "lines-1-unit_price": "",
                "lines-1-vat_rate": "21.00",
            }
        ),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Add at least one line." in content
    assert "Please submit at least" not in content
    assert not Invoice.objects.exists()
