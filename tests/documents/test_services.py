from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from audit.models import AuditEvent
from documents.amounts import invoice_totals
from documents.models import Invoice, InvoiceDirection, InvoiceStatus
from documents.services import (
    invoice_create_draft,
    invoice_deliver,
    invoice_mark_downloaded,
    invoice_send,
    invoice_update_draft,
    invoices_deliver_pending,
)
from tests.documents.factories import delivered_invoice, draft_invoice, invoice_data, line_data
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_totals_are_computed_per_vat_rate_and_rounded_half_up() -> None:
    totals = invoice_totals(
        [
            (Decimal("10.05"), Decimal("21.00")),  # 2.1105
            (Decimal("0.05"), Decimal("21.00")),  # with the line above: 10.10 x 21 % = 2.121 -> 2.12
            (Decimal("33.33"), Decimal("9.00")),  # 2.9997 -> 3.00
            (Decimal("5.00"), Decimal("0.00")),
        ]
    )

    assert totals.total_excl_vat == Decimal("48.43")
    assert totals.vat_total == Decimal("5.12")
    assert totals.total_incl_vat == Decimal("53.55")
    assert [(s.rate, s.category) for s in totals.subtotals] == [
        (Decimal("21.00"), "S"),
        (Decimal("9.00"), "S"),
        (Decimal("0.00"), "Z"),
    ]


def test_a_draft_stores_its_lines_and_computed_totals() -> None:
    organisation = OrganisationFactory()

    invoice = draft_invoice(
        organisation,
        lines=(
            line_data(quantity=Decimal("3"), unit_price=Decimal("19.99"), vat_rate=Decimal("21")),
            line_data(quantity=Decimal("1.5"), unit_price=Decimal("10.00"), vat_rate=Decimal("9")),
        ),
    )

    invoice.refresh_from_db()
    assert invoice.direction == InvoiceDirection.OUTGOING
    assert invoice.status == InvoiceStatus.DRAFT
    assert [line.line_amount for line in invoice.lines.all()] == [Decimal("59.97"), Decimal("15.00")]
    assert invoice.total_excl_vat == Decimal("74.97")
    assert invoice.vat_total == Decimal("12.59") + Decimal("1.35")
    assert invoice.total_incl_vat == Decimal("88.91")


def test_an_invoice_number_is_unique_per_organisation_and_direction() -> None:
    organisation = OrganisationFactory()
    draft_invoice(organisation, number="2026-0001")

    with pytest.raises(ValidationError) as raised:
        draft_invoice(organisation, number="2026-0001")

    assert "number" in raised.value.message_dict
    assert draft_invoice(OrganisationFactory(), number="2026-0001").number == "2026-0001"


def test_the_database_refuses_a_duplicate_number_in_the_same_direction() -> None:
    invoice = draft_invoice(OrganisationFactory(), number="DUP-1")

    with pytest.raises(IntegrityError):
        Invoice.objects.create(
            organisation=invoice.organisation,
            direction=InvoiceDirection.OUTGOING,
            status=InvoiceStatus.DRAFT,
            number="DUP-1",
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            counterparty_name="X",
            counterparty_peppol_id="0106:1",
        )


def test_invalid_invoice_content_is_refused_with_field_errors() -> None:
    data = invoice_data(
        number=" ",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 2, 1),
        counterparty_peppol_id="not a peppol id",
        lines=(line_data(quantity=Decimal("0"), vat_rate=Decimal("19")),),
    )

    with pytest.raises(ValidationError) as raised:
        invoice_create_draft(organisation=OrganisationFactory(), acting_user=None, data=data)

    errors = raised.value.message_dict
    assert set(errors) >= {"number", "due_date", "counterparty_peppol_id", "lines"}
    assert any("quantity" in message for message in errors["lines"])
    assert any("VAT rate" in message for message in errors["lines"])


def test_sending_delivers_an_incoming_copy_to_the_organisation_with_that_peppol_id() -> None:
    sender = OrganisationFactory(name="Sender B.V.")
    recipient = OrganisationFactory(name="Recipient B.V.")
    invoice = draft_invoice(
        sender, counterparty_peppol_id=recipient.peppol_id, counterparty_name=recipient.name
    )

    invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DELIVERED
    received = Invoice.objects.get(organisation=recipient)
    assert received.direction == InvoiceDirection.INCOMING
    assert received.status == InvoiceStatus.RECEIVED
    assert (received.number, received.counterparty_name, received.counterparty_peppol_id) == (
        invoice.number,
        "Sender B.V.",
        sender.peppol_id,
    )
    assert received.total_incl_vat == invoice.total_incl_vat
    assert [line.description for line in received.lines.all()] == [
        line.description for line in invoice.lines.all()
    ]
    assert AuditEvent.objects.filter(action="invoice.received", organisation=recipient).count() == 1


def test_sending_to_a_peppol_id_not_on_the_platform_fails_with_the_reason() -> None:
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id="0106:00000001")

    invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.FAILED
    assert invoice.failure_reason == "No organisation with Peppol id 0106:00000001 is on the platform."
    assert not Invoice.objects.filter(direction=InvoiceDirection.INCOMING).exists()


def test_a_recipient_that_already_has_the_number_makes_the_invoice_fail() -> None:
    sender, recipient = OrganisationFactory(), OrganisationFactory(name="Recipient B.V.")
    delivered_invoice(OrganisationFactory(), recipient, number="SAME-1")
    invoice = draft_invoice(sender, number="SAME-1", counterparty_peppol_id=recipient.peppol_id)

    invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.FAILED
    assert "already received an invoice with number SAME-1" in invoice.failure_reason


def test_sending_twice_is_refused_and_delivering_twice_delivers_once() -> None:
    recipient = OrganisationFactory()
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id=recipient.peppol_id)
    invoice_send(invoice=invoice, acting_user=None)

    with pytest.raises(ValidationError, match="already been sent"):
        invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)
    invoice_deliver(invoice_id=invoice.pk)
    invoices_deliver_pending(older_than=timedelta(0))

    assert Invoice.objects.filter(organisation=recipient).count() == 1


def test_the_delivery_task_runs_after_commit(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    recipient = OrganisationFactory()
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id=recipient.peppol_id)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice_send(invoice=invoice, acting_user=None)

    invoice.refresh_from_db()
    assert len(callbacks) == 1
    assert invoice.status == InvoiceStatus.DELIVERED


def test_sending_succeeds_when_the_broker_is_down_and_beat_delivers_later(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    recipient = OrganisationFactory()
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id=recipient.peppol_id)

    with (
        mock.patch("documents.tasks.deliver_invoice.delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invoice_send(invoice=invoice, acting_user=None)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT

    delivered = invoices_deliver_pending(older_than=timedelta(0))

    invoice.refresh_from_db()
    assert delivered == 1
    assert invoice.status == InvoiceStatus.DELIVERED


def test_a_failed_invoice_can_be_corrected_and_sent_again() -> None:
    recipient = OrganisationFactory()
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id="0106:00000001")
    invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)

    invoice_update_draft(
        invoice=invoice,
        acting_user=None,  # type: ignore[arg-type]
        data=invoice_data(number=invoice.number, counterparty_peppol_id=recipient.peppol_id),
    )
    invoice_send(invoice=invoice, acting_user=None)
    invoice_deliver(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DELIVERED
    assert invoice.failure_reason == ""


def test_a_delivered_invoice_cannot_be_changed() -> None:
    outgoing, _incoming = delivered_invoice(OrganisationFactory(), OrganisationFactory())

    with pytest.raises(ValidationError, match="Only a draft or a failed invoice"):
        invoice_update_draft(invoice=outgoing, acting_user=None, data=invoice_data())  # type: ignore[arg-type]


def test_an_organisation_cannot_send_to_itself() -> None:
    organisation = OrganisationFactory()
    invoice = draft_invoice(organisation, counterparty_peppol_id=organisation.peppol_id)

    with pytest.raises(ValidationError, match="itself"):
        invoice_send(invoice=invoice, acting_user=None)


def test_marking_downloaded_moves_received_to_downloaded_once() -> None:
    _outgoing, incoming = delivered_invoice(OrganisationFactory(), OrganisationFactory())

    first = invoice_mark_downloaded(invoice=incoming, acting_user=None)
    second = invoice_mark_downloaded(invoice=incoming, acting_user=None)

    assert first.status == second.status == InvoiceStatus.DOWNLOADED
    assert second.downloaded_at == first.downloaded_at
    assert AuditEvent.objects.filter(action="invoice.downloaded").count() == 1


def test_an_outgoing_invoice_cannot_be_marked_downloaded() -> None:
    with pytest.raises(ValidationError):
        invoice_mark_downloaded(invoice=draft_invoice(OrganisationFactory()), acting_user=None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_at_once_deliver_exactly_once() -> None:
    recipient = OrganisationFactory()
    invoice = draft_invoice(OrganisationFactory(), counterparty_peppol_id=recipient.peppol_id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send() -> None:
        try:
            barrier.wait()
            invoice_send(invoice=invoice, acting_user=None)
            outcomes.append("sent")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "sent"]
    assert Invoice.objects.filter(organisation=recipient).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DELIVERED
