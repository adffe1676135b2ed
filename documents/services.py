"""Every write about invoices: drafts, sending and delivery, UBL import, download marks."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from documents.amounts import VAT_RATES, invoice_totals, line_amount
from documents.invoice_data import InvoiceData
from documents.models import (
    EDITABLE_STATUSES,
    Currency,
    Invoice,
    InvoiceDirection,
    InvoiceLine,
    InvoiceStatus,
)
from documents.ubl import MAX_LINES, UblInvalid, ubl_parse
from environments.models import Organisation, peppol_id_validator

logger = logging.getLogger(__name__)

MAX_QUANTITY = Decimal("1000000000")
MAX_UNIT_PRICE = Decimal("10000000000")


def _duplicate_number_error() -> ValidationError:
    return ValidationError({"number": _("This organisation already has an invoice with this number.")})


def _validate(data: InvoiceData) -> None:
    """The rules every invoice keeps, whichever way it came in (form, API, UBL)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not data.number.strip():
        add("number", _("Enter an invoice number."))
    elif len(data.number) > 50:
        add("number", _("An invoice number has at most 50 characters."))
    if data.due_date < data.issue_date:
        add("due_date", _("The due date cannot be before the issue date."))
    if data.currency not in Currency.values:
        add("currency", _("Choose a supported currency."))
    if not data.counterparty_name.strip() or len(data.counterparty_name) > 200:
        add("counterparty_name", _("Enter the counterparty's name (at most 200 characters)."))
    try:
        peppol_id_validator(data.counterparty_peppol_id)
    except ValidationError as error:
        errors.setdefault("counterparty_peppol_id", []).extend(error.messages)
    if len(data.counterparty_vat_number) > 20:
        add("counterparty_vat_number", _("A VAT number has at most 20 characters."))
    if len(data.buyer_reference) > 100:
        add("buyer_reference", _("A buyer reference has at most 100 characters."))
    if not data.lines:
        add("lines", _("An invoice needs at least one line."))
    if len(data.lines) > MAX_LINES:
        add("lines", _("An invoice can have at most %(max)d lines.") % {"max": MAX_LINES})
    for index, line in enumerate(data.lines, start=1):
        where = _("Line %(index)d: ") % {"index": index}
        if not line.description.strip() or len(line.description) > 200:
            add("lines", where + _("enter a description (at most 200 characters)."))
        if not (Decimal("0") < line.quantity < MAX_QUANTITY) or line.quantity != line.quantity.quantize(
            Decimal("0.001")
        ):
            add("lines", where + _("the quantity must be positive, with at most 3 decimals."))
        if not (
            Decimal("0") <= line.unit_price < MAX_UNIT_PRICE
        ) or line.unit_price != line.unit_price.quantize(Decimal("0.01")):
            add("lines", where + _("the unit price must be zero or more, in cents."))
        if line.vat_rate not in VAT_RATES:
            add("lines", where + _("the VAT rate must be 21, 9 or 0 %."))
    if errors:
        raise ValidationError(errors)


def _write_lines(invoice: Invoice, data: InvoiceData) -> None:
    invoice.lines.all().delete()
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            line_amount=line_amount(quantity=line.quantity, unit_price=line.unit_price),
        )
        for position, line in enumerate(data.lines, start=1)
    ]
    InvoiceLine.objects.bulk_create(lines)
    totals = invoice_totals((line.line_amount, line.vat_rate) for line in lines)
    invoice.total_excl_vat = totals.total_excl_vat
    invoice.vat_total = totals.vat_total
    invoice.total_incl_vat = totals.total_incl_vat


def _apply(invoice: Invoice, data: InvoiceData) -> None:
    invoice.number = data.number.strip()
    invoice.issue_date = data.issue_date
    invoice.due_date = data.due_date
    invoice.currency = data.currency
    invoice.buyer_reference = data.buyer_reference.strip()
    invoice.counterparty_name = data.counterparty_name.strip()
    invoice.counterparty_peppol_id = data.counterparty_peppol_id.strip()
    invoice.counterparty_vat_number = data.counterparty_vat_number.strip()


def _invoice_create(
    *,
    organisation: Organisation,
    acting_user: User | None,
    data: InvoiceData,
    direction: str,
    status: str,
    action: str,
    via: str,
) -> Invoice:
    _validate(data)
    with transaction.atomic():
        if Invoice.objects.filter(
            organisation=organisation, direction=direction, number=data.number.strip()
        ).exists():
            raise _duplicate_number_error()
        now = timezone.now()
        invoice = Invoice(
            organisation=organisation,
            direction=direction,
            status=status,
            created_by=acting_user,
            created_at=now,
            updated_at=now,
            received_at=now if direction == InvoiceDirection.INCOMING else None,
        )
        _apply(invoice, data)
        try:
            with transaction.atomic():
                invoice.save()
        except IntegrityError as error:
            raise _duplicate_number_error() from error
        _write_lines(invoice, data)
        invoice.save(update_fields=["total_excl_vat", "vat_total", "total_incl_vat"])
        audit_record(
            actor=acting_user,
            action=action,
            environment=organisation.environment,
            organisation=organisation,
            target=invoice,
            data={"number": invoice.number, "via": via},
        )
        return invoice


def invoice_create_draft(
    *, organisation: Organisation, acting_user: User | None, data: InvoiceData, via: str = "portal"
) -> Invoice:
    """A new outgoing invoice in draft, with its lines and computed totals."""
    return _invoice_create(
        organisation=organisation,
        acting_user=acting_user,
        data=data,
        direction=InvoiceDirection.OUTGOING,
        status=InvoiceStatus.DRAFT,
        action="invoice.created",
        via=via,
    )


def invoice_update_draft(*, invoice: Invoice, acting_user: User, data: InvoiceData) -> Invoice:
    """Change an outgoing invoice that was never delivered (a draft, or one that failed: it goes
    back to draft). The row is locked so an edit cannot interleave with sending."""
    _validate(data)
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .get(pk=invoice.pk)
        )
        if not locked.is_editable:
            raise ValidationError(_("Only a draft or a failed invoice can be changed."))
        duplicate = (
            Invoice.objects.filter(
                organisation_id=locked.organisation_id, direction=locked.direction, number=data.number.strip()
            )
            .exclude(pk=locked.pk)
            .exists()
        )
        if duplicate:
            raise _duplicate_number_error()
        _apply(locked, data)
        _write_lines(locked, data)
        locked.status = InvoiceStatus.DRAFT
        locked.failure_reason = ""
        locked.updated_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise _duplicate_number_error() from error
        audit_record(
            actor=acting_user,
            action="invoice.updated",
            environment=locked.organisation.environment,
            organisation=locked.organisation,
            target=locked,
            data={"number": locked.number},
        )
        return locked


def invoice_send(*, invoice: Invoice, acting_user: User | None, via: str = "portal") -> Invoice:
    """Mark an outgoing draft (or failed) invoice as sent and deliver it in a Celery task after
    commit. The row is locked and only a draft or failed invoice moves to sent, so sending twice
    (a double click, two API calls at once) never delivers twice."""
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .get(pk=invoice.pk)
        )
        if not locked.is_outgoing:
            raise ValidationError(_("Only outgoing invoices can be sent."))
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(_("This invoice has already been sent."))
        if not locked.lines.exists():
            raise ValidationError(_("An invoice needs at least one line."))
        if locked.counterparty_peppol_id == locked.organisation.peppol_id:
            raise ValidationError(_("An organisation cannot send an invoice to itself."))
        now = timezone.now()
        locked.status = InvoiceStatus.SENT
        locked.failure_reason = ""
        locked.sent_at = now
        locked.updated_at = now
        locked.save(update_fields=["status", "failure_reason", "sent_at", "updated_at"])
        audit_record(
            actor=acting_user,
            action="invoice.sent",
            environment=locked.organisation.environment,
            organisation=locked.organisation,
            target=locked,
            data={"number": locked.number, "to": locked.counterparty_peppol_id, "via": via},
        )
        transaction.on_commit(partial(dispatch_invoice_delivery, locked.pk))
        return locked


def dispatch_invoice_delivery(invoice_id: int) -> None:
    """Ask a worker to deliver; never fail the caller when the broker is down (beat's
    deliver-sent-invoices picks the invoice up once it is back)."""
    from documents.tasks import deliver_invoice

    try:
        deliver_invoice.delay(invoice_id)
    except Exception:
        logger.warning(
            "invoice delivery not dispatched: broker unavailable", extra={"invoice_id": invoice_id}
        )


def _fail(invoice: Invoice, reason: str) -> None:
    invoice.status = InvoiceStatus.FAILED
    invoice.failure_reason = reason
    invoice.updated_at = timezone.now()
    invoice.save(update_fields=["status", "failure_reason", "updated_at"])
    audit_record(
        actor=None,
        action="invoice.delivery_failed",
        environment=invoice.organisation.environment,
        organisation=invoice.organisation,
        target=invoice,
        data={"number": invoice.number, "reason": reason},
    )


def invoice_deliver(*, invoice_id: int) -> Invoice | None:
    """Deliver a sent invoice on the platform: the organisation with the counterparty's Peppol id
    (the first registered, if several environments hold it) receives an incoming copy; without
    one the invoice fails with the reason. Idempotent: the row is locked and only a sent invoice
    is delivered, and the copy's one-to-one link to its source forbids a second copy."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None or invoice.status != InvoiceStatus.SENT:
            return invoice
        sender = invoice.organisation
        recipient = (
            Organisation.objects.select_related("environment")
            .filter(peppol_id=invoice.counterparty_peppol_id)
            .exclude(pk=sender.pk)
            .order_by("created_at", "pk")
            .first()
        )
        if recipient is None:
            _fail(
                invoice,
                _("No organisation with Peppol id %(peppol_id)s is on the platform.")
                % {"peppol_id": invoice.counterparty_peppol_id},
            )
            return invoice
        if Invoice.objects.filter(
            organisation=recipient, direction=InvoiceDirection.INCOMING, number=invoice.number
        ).exists():
            _fail(
                invoice,
                _("%(recipient)s already received an invoice with number %(number)s.")
                % {"recipient": recipient.name, "number": invoice.number},
            )
            return invoice
        now = timezone.now()
        copy = Invoice.objects.create(
            organisation=recipient,
            direction=InvoiceDirection.INCOMING,
            status=InvoiceStatus.RECEIVED,
            number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            buyer_reference=invoice.buyer_reference,
            counterparty_name=sender.name,
            counterparty_peppol_id=sender.peppol_id,
            counterparty_vat_number=sender.vat_number,
            total_excl_vat=invoice.total_excl_vat,
            vat_total=invoice.vat_total,
            total_incl_vat=invoice.total_incl_vat,
            source_invoice=invoice,
            created_at=now,
            updated_at=now,
            received_at=now,
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=copy,
                    position=line.position,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                    line_amount=line.line_amount,
                )
                for line in invoice.lines.all()
            ]
        )
        invoice.status = InvoiceStatus.DELIVERED
        invoice.delivered_at = now
        invoice.updated_at = now
        invoice.save(update_fields=["status", "delivered_at", "updated_at"])
        audit_record(
            actor=None,
            action="invoice.delivered",
            environment=sender.environment,
            other_environment=recipient.environment
            if recipient.environment_id != sender.environment_id
            else None,
            organisation=sender,
            target=invoice,
            data={"number": invoice.number, "to": recipient.peppol_id},
        )
        audit_record(
            actor=None,
            action="invoice.received",
            environment=recipient.environment,
            other_environment=sender.environment
            if recipient.environment_id != sender.environment_id
            else None,
            organisation=recipient,
            target=copy,
            data={"number": copy.number, "from": sender.peppol_id},
        )
        return invoice


def invoices_deliver_pending(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Deliver every invoice still marked sent (its dispatch was lost, e.g. the broker was down).
    Safe to run at any time: invoice_deliver is idempotent."""
    cutoff = timezone.now() - older_than
    pending = list(
        Invoice.objects.filter(status=InvoiceStatus.SENT, sent_at__lte=cutoff).values_list("pk", flat=True)[
            :500
        ]
    )
    for invoice_id in pending:
        invoice_deliver(invoice_id=invoice_id)
    return len(pending)


def invoice_import_ubl(
    *,
    organisation: Organisation,
    acting_user: User | None,
    data: bytes,
    direction: str = InvoiceDirection.INCOMING,
    via: str = "portal",
) -> Invoice:
    """Create an invoice from a BIS 3.0 UBL file.

    Incoming: the file must be addressed to this organisation (customer endpoint = its Peppol id)
    and becomes a received invoice from the supplier. Outgoing: the organisation must be the
    supplier and it becomes a draft to the customer. Raises UblInvalid listing every problem.
    """
    parsed = ubl_parse(data)
    if direction == InvoiceDirection.INCOMING:
        if parsed.customer.peppol_id != organisation.peppol_id:
            raise UblInvalid(
                [
                    _("This invoice is addressed to Peppol id %(to)s, not to %(name)s (%(own)s).")
                    % {
                        "to": parsed.customer.peppol_id,
                        "name": organisation.name,
                        "own": organisation.peppol_id,
                    }
                ]
            )
        counterparty, status, action = parsed.supplier, InvoiceStatus.RECEIVED, "invoice.imported"
    else:
        if parsed.supplier.peppol_id != organisation.peppol_id:
            raise UblInvalid(
                [
                    _("The supplier's Peppol id is %(from)s, not that of %(name)s (%(own)s).")
                    % {
                        "from": parsed.supplier.peppol_id,
                        "name": organisation.name,
                        "own": organisation.peppol_id,
                    }
                ]
            )
        counterparty, status, action = parsed.customer, InvoiceStatus.DRAFT, "invoice.created"
    invoice_data = parsed.as_invoice_data(counterparty=counterparty)
    try:
        return _invoice_create(
            organisation=organisation,
            acting_user=acting_user,
            data=invoice_data,
            direction=direction,
            status=status,
            action=action,
            via=via,
        )
    except ValidationError as error:
        raise UblInvalid(error.messages) from error


def invoice_mark_downloaded(*, invoice: Invoice, acting_user: User | None, via: str = "api") -> Invoice:
    """Mark an incoming invoice downloaded (by a software connection). Marking it again changes
    nothing."""
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .get(pk=invoice.pk)
        )
        if locked.direction != InvoiceDirection.INCOMING:
            raise ValidationError(_("Only incoming invoices can be marked downloaded."))
        if locked.status == InvoiceStatus.DOWNLOADED:
            return locked
        now = timezone.now()
        locked.status = InvoiceStatus.DOWNLOADED
        locked.downloaded_at = now
        locked.updated_at = now
        locked.save(update_fields=["status", "downloaded_at", "updated_at"])
        audit_record(
            actor=acting_user,
            action="invoice.downloaded",
            environment=locked.organisation.environment,
            organisation=locked.organisation,
            target=locked,
            data={"number": locked.number, "via": via},
        )
        return locked


def invoice_submit(
    *, organisation: Organisation, acting_user: User | None, data: InvoiceData, via: str = "api"
) -> Invoice:
    """Create an outgoing invoice and send it, in one transaction: if it cannot be sent, no
    draft is left behind."""
    with transaction.atomic():
        invoice = invoice_create_draft(organisation=organisation, acting_user=acting_user, data=data, via=via)
        return invoice_send(invoice=invoice, acting_user=acting_user, via=via)


def invoice_submit_ubl(
    *, organisation: Organisation, acting_user: User | None, data: bytes, via: str = "api"
) -> Invoice:
    """Create an outgoing invoice from a UBL file (the organisation must be its supplier) and send
    it, in one transaction. Raises UblInvalid listing every problem."""
    with transaction.atomic():
        invoice = invoice_import_ubl(
            organisation=organisation,
            acting_user=acting_user,
            data=data,
            direction=InvoiceDirection.OUTGOING,
            via=via,
        )
        try:
            return invoice_send(invoice=invoice, acting_user=acting_user, via=via)
        except ValidationError as error:
            raise UblInvalid(error.messages) from error
