"""The content of an invoice as the services take it, whichever way it came in: the portal's form,
the JSON API or a UBL file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class InvoiceData:
    number: str
    issue_date: date
    due_date: date
    counterparty_name: str
    counterparty_peppol_id: str
    lines: tuple[LineData, ...]
    currency: str = "EUR"
    counterparty_vat_number: str = ""
    buyer_reference: str = ""


@dataclass(frozen=True)
class PartyData:
    name: str
    peppol_id: str
    vat_number: str = ""


@dataclass(frozen=True)
class UblInvoice:
    """What a UBL file says, before we know which side of it the organisation is on."""

    number: str
    issue_date: date
    due_date: date
    currency: str
    buyer_reference: str
    supplier: PartyData
    customer: PartyData
    lines: tuple[LineData, ...] = field(default_factory=tuple)

    def as_invoice_data(self, *, counterparty: PartyData) -> InvoiceData:
        return InvoiceData(
            number=self.number,
            issue_date=self.issue_date,
            due_date=self.due_date,
            currency=self.currency,
            buyer_reference=self.buyer_reference,
            counterparty_name=counterparty.name,
            counterparty_peppol_id=counterparty.peppol_id,
            counterparty_vat_number=counterparty.vat_number,
            lines=self.lines,
        )
