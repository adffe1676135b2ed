from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.amounts import VatSubtotal, invoice_totals
from environments.models import peppol_id_validator


class InvoiceDirection(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class InvoiceStatus(models.TextChoices):
    # Outgoing: draft → sent → delivered, or failed (with a reason) and then sent again.
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    # Incoming: received → downloaded (by a software connection).
    RECEIVED = "received", _("Received")
    DOWNLOADED = "downloaded", _("Downloaded")


OUTGOING_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.SENT, InvoiceStatus.DELIVERED, InvoiceStatus.FAILED)
INCOMING_STATUSES = (InvoiceStatus.RECEIVED, InvoiceStatus.DOWNLOADED)
# Invoices that still need someone's attention: shown as "open" on the Clients page.
OPEN_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.SENT, InvoiceStatus.FAILED, InvoiceStatus.RECEIVED)
# Outgoing invoices that can still be changed and sent: never delivered.
EDITABLE_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.FAILED)


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"
    DKK = "DKK", "DKK"
    NOK = "NOK", "NOK"
    PLN = "PLN", "PLN"
    SEK = "SEK", "SEK"


VAT_RATE_CHOICES = [(Decimal("21.00"), _("21 %")), (Decimal("9.00"), _("9 %")), (Decimal("0.00"), _("0 %"))]


class Invoice(models.Model):
    """An organisation's invoice, outgoing or incoming. Totals are computed from the lines by
    documents.services and stored, so lists never sum lines."""

    organisation = models.ForeignKey(
        "environments.Organisation", on_delete=models.PROTECT, related_name="invoices"
    )
    direction = models.CharField(max_length=10, choices=InvoiceDirection.choices)
    status = models.CharField(max_length=12, choices=InvoiceStatus.choices)
    number = models.CharField(_("invoice number"), max_length=50)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    buyer_reference = models.CharField(
        _("buyer reference"),
        max_length=100,
        blank=True,
        help_text=_("The customer's reference, e.g. a purchase order number. Empty: the invoice number."),
    )
    counterparty_name = models.CharField(_("counterparty name"), max_length=200)
    counterparty_peppol_id = models.CharField(
        _("counterparty Peppol id"), max_length=60, validators=[peppol_id_validator]
    )
    counterparty_vat_number = models.CharField(_("counterparty VAT number"), max_length=20, blank=True)
    total_excl_vat = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    vat_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total_incl_vat = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    failure_reason = models.TextField(blank=True)
    source_invoice = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delivered_copy",
        help_text=_("For an incoming invoice delivered on the platform: the sender's outgoing invoice."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "direction", "number"],
                name="invoice_number_unique_per_organisation_and_direction",
            ),
            models.CheckConstraint(
                condition=(
                    Q(direction=InvoiceDirection.OUTGOING, status__in=OUTGOING_STATUSES)
                    | Q(direction=InvoiceDirection.INCOMING, status__in=INCOMING_STATUSES)
                ),
                name="invoice_status_matches_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "direction", "status"]),
            models.Index(fields=["organisation", "-issue_date"]),
            models.Index(fields=["organisation", "direction", "received_at"]),
            models.Index(fields=["status", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.number}"

    @property
    def is_outgoing(self) -> bool:
        return self.direction == InvoiceDirection.OUTGOING

    @property
    def is_editable(self) -> bool:
        return self.is_outgoing and self.status in EDITABLE_STATUSES

    @property
    def is_sendable(self) -> bool:
        return self.is_outgoing and self.status in EDITABLE_STATUSES

    def vat_subtotals(self) -> tuple[VatSubtotal, ...]:
        """VAT per rate; uses prefetched lines when present."""
        return invoice_totals((line.line_amount, line.vat_rate) for line in self.lines.all()).subtotals


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2, choices=VAT_RATE_CHOICES)
    line_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position}: {self.description}"
