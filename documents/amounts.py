"""Invoice arithmetic, in Decimal, with the rounding rules of EN 16931.

A line's amount is quantity times unit price rounded to cents; VAT is computed per rate on the sum of
the line amounts at that rate (BR-CO-17), rounded half up to cents; the invoice total is the sum
of the line amounts plus the VAT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The VAT rates the portal supports (Dutch standard, reduced and zero rate), as stored in lines.
VAT_RATES = (Decimal("21.00"), Decimal("9.00"), Decimal("0.00"))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(*, quantity: Decimal, unit_price: Decimal) -> Decimal:
    return money(quantity * unit_price)


def vat_category(rate: Decimal) -> str:
    """The UNCL5305 VAT category code for a rate: S (standard or reduced) or Z (zero rated)."""
    return "Z" if rate == 0 else "S"


@dataclass(frozen=True)
class VatSubtotal:
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal

    @property
    def category(self) -> str:
        return vat_category(self.rate)


@dataclass(frozen=True)
class InvoiceTotals:
    total_excl_vat: Decimal
    vat_total: Decimal
    total_incl_vat: Decimal
    subtotals: tuple[VatSubtotal, ...]


def invoice_totals(lines: Iterable[tuple[Decimal, Decimal]]) -> InvoiceTotals:
    """Totals from ``(line_amount, vat_rate)`` pairs; subtotals ordered by rate, highest first."""
    taxable: dict[Decimal, Decimal] = {}
    for amount, rate in lines:
        key = Decimal(rate).quantize(CENT)
        taxable[key] = taxable.get(key, ZERO) + amount
    subtotals = tuple(
        VatSubtotal(rate=rate, taxable_amount=money(amount), vat_amount=money(amount * rate / 100))
        for rate, amount in sorted(taxable.items(), reverse=True)
    )
    total_excl = money(sum((subtotal.taxable_amount for subtotal in subtotals), ZERO))
    vat_total = money(sum((subtotal.vat_amount for subtotal in subtotals), ZERO))
    return InvoiceTotals(
        total_excl_vat=total_excl,
        vat_total=vat_total,
        total_incl_vat=total_excl + vat_total,
        subtotals=subtotals,
    )
