from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from documents.amounts import VAT_RATES
from documents.invoice_data import InvoiceData, LineData
from documents.models import Currency, Invoice, InvoiceLine, InvoiceStatus
from documents.ubl import MAX_LINES
from environments.models import peppol_id_validator


class InvoiceLineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("VAT percentage: 21, 9 or 0.")
    )

    def validate_vat_rate(self, value: Decimal) -> Decimal:
        if value not in VAT_RATES:
            raise serializers.ValidationError(_("The VAT rate must be 21, 9 or 0."))
        return value.quantize(Decimal("0.01"))


class InvoiceSubmitSerializer(serializers.Serializer):
    """An outgoing invoice to create and send."""

    number = serializers.CharField(max_length=50)
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.EUR)
    buyer_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    counterparty_name = serializers.CharField(max_length=200, help_text=_("The customer's name."))
    counterparty_peppol_id = serializers.CharField(
        max_length=60,
        validators=[peppol_id_validator],
        help_text=_("The customer's Peppol id, e.g. 0106:12345678."),
    )
    counterparty_vat_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["due_date"] < attrs["issue_date"]:
            raise serializers.ValidationError(
                {"due_date": _("The due date cannot be before the issue date.")}
            )
        return attrs

    def invoice_data(self) -> InvoiceData:
        data = self.validated_data
        return InvoiceData(
            number=data["number"].strip(),
            issue_date=data["issue_date"],
            due_date=data["due_date"],
            currency=data["currency"],
            buyer_reference=data["buyer_reference"].strip(),
            counterparty_name=data["counterparty_name"].strip(),
            counterparty_peppol_id=data["counterparty_peppol_id"].strip(),
            counterparty_vat_number=data["counterparty_vat_number"].strip(),
            lines=tuple(
                LineData(
                    description=line["description"].strip(),
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    vat_rate=line["vat_rate"],
                )
                for line in data["lines"]
            ),
        )


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit_price", "vat_rate", "line_amount"]


class CounterpartySerializer(serializers.Serializer):
    name = serializers.CharField(source="counterparty_name")
    peppol_id = serializers.CharField(source="counterparty_peppol_id")
    vat_number = serializers.CharField(source="counterparty_vat_number")


class InvoiceSerializer(serializers.ModelSerializer):
    counterparty = CounterpartySerializer(source="*", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "direction",
            "status",
            "number",
            "issue_date",
            "due_date",
            "currency",
            "buyer_reference",
            "counterparty",
            "lines",
            "total_excl_vat",
            "vat_total",
            "total_incl_vat",
            "failure_reason",
            "created_at",
            "sent_at",
            "delivered_at",
            "received_at",
            "downloaded_at",
        ]
        read_only_fields = fields


class InvoiceStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "direction",
            "status",
            "failure_reason",
            "sent_at",
            "delivered_at",
            "downloaded_at",
        ]
        read_only_fields = fields


class IncomingQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False, help_text=_("Only documents received at or after this moment (ISO 8601).")
    )
    status = serializers.ChoiceField(
        required=False,
        choices=[InvoiceStatus.RECEIVED, InvoiceStatus.DOWNLOADED],
        help_text=_("received: not yet marked downloaded; downloaded: already marked."),
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class UblErrorSerializer(serializers.Serializer):
    ubl = serializers.ListField(
        child=serializers.CharField(), help_text=_("Every problem found in the file.")
    )
