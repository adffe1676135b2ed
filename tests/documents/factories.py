"""Invoices made the way the portal makes them: through documents.services."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from accounts.models import User
from documents.invoice_data import InvoiceData, LineData
from documents.models import Invoice
from documents.services import invoice_create_draft, invoice_deliver, invoice_send
from environments.models import Organisation

_numbers = count(1)


def line_data(**overrides: Any) -> LineData:
    values: dict[str, Any] = {
        "description": "Consultancy",
        "quantity": Decimal("2"),
        "unit_price": Decimal("100.00"),
        "vat_rate": Decimal("21.00"),
    }
    values.update(overrides)
    return LineData(**values)


def invoice_data(**overrides: Any) -> InvoiceData:
    values: dict[str, Any] = {
        "number": f"INV-{next(_numbers):05d}",
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "counterparty_name": "Customer B.V.",
        "counterparty_peppol_id": "0106:99999999",
        "lines": (line_data(),),
    }
    values.update(overrides)
    return InvoiceData(**values)


def draft_invoice(organisation: Organisation, *, user: User | None = None, **overrides: Any) -> Invoice:
    return invoice_create_draft(organisation=organisation, acting_user=user, data=invoice_data(**overrides))


def delivered_invoice(
    sender: Organisation, recipient: Organisation, **overrides: Any
) -> tuple[Invoice, Invoice]:
    """An outgoing invoice of ``sender`` delivered on the platform: (outgoing, incoming copy)."""
    data = replace(
        invoice_data(**overrides),
        counterparty_name=recipient.name,
        counterparty_peppol_id=recipient.peppol_id,
    )
    outgoing = invoice_create_draft(organisation=sender, acting_user=None, data=data)
    invoice_send(invoice=outgoing, acting_user=None)
    invoice_deliver(invoice_id=outgoing.pk)
    outgoing.refresh_from_db()
    return outgoing, outgoing.delivered_copy
