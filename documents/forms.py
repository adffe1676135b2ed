from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from documents.invoice_data import InvoiceData, LineData
from documents.models import VAT_RATE_CHOICES, Currency, Invoice, InvoiceDirection, InvoiceStatus
from documents.selectors import ClientConnectionState, ClientFilters, ClientKeyState, InvoiceFilters
from documents.ubl import MAX_LINES, MAX_UPLOAD_BYTES
from environments.models import Environment, peppol_id_validator


class DateInput(forms.DateInput):
    input_type = "date"


class InvoiceForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=50)
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    counterparty_name = forms.CharField(label=_("Customer name"), max_length=200)
    counterparty_peppol_id = forms.CharField(
        label=_("Customer Peppol id"),
        max_length=60,
        validators=[peppol_id_validator],
        help_text=_("e.g. 0106:12345678 (KvK number) or 0190:00000001234567890000 (OIN)."),
    )
    counterparty_vat_number = forms.CharField(label=_("Customer VAT number"), max_length=20, required=False)
    buyer_reference = forms.CharField(
        label=_("Buyer reference"),
        max_length=100,
        required=False,
        help_text=_("The customer's reference or purchase order number, if they gave one."),
    )

    @classmethod
    def for_invoice(cls, invoice: Invoice, data: Any = None) -> InvoiceForm:
        return cls(
            data,
            initial={
                field: getattr(invoice, field)
                for field in (
                    "number",
                    "issue_date",
                    "due_date",
                    "currency",
                    "counterparty_name",
                    "counterparty_peppol_id",
                    "counterparty_vat_number",
                    "buyer_reference",
                )
            },
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issue, due = cleaned.get("issue_date"), cleaned.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", _("The due date cannot be before the issue date."))
        return cleaned

    def invoice_data(self, lines: tuple[LineData, ...]) -> InvoiceData:
        data = self.cleaned_data
        return InvoiceData(
            number=data["number"].strip(),
            issue_date=data["issue_date"],
            due_date=data["due_date"],
            currency=data["currency"],
            counterparty_name=data["counterparty_name"].strip(),
            counterparty_peppol_id=data["counterparty_peppol_id"].strip(),
            counterparty_vat_number=data["counterparty_vat_number"].strip(),
            buyer_reference=data["buyer_reference"].strip(),
            lines=lines,
        )


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001"), initial=Decimal("1")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    vat_rate = forms.TypedChoiceField(
        label=_("VAT"), choices=VAT_RATE_CHOICES, coerce=Decimal, initial=Decimal("21.00")
    )


class BaseLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    default_error_messages = {
        "too_few_forms": _("Add at least one line."),
        "too_many_forms": _("An invoice can have at most %(num)d lines."),
    }

    def lines(self) -> tuple[LineData, ...]:
        return tuple(
            LineData(
                description=form.cleaned_data["description"].strip(),
                quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data["unit_price"],
                vat_rate=form.cleaned_data["vat_rate"],
            )
            for index, form in enumerate(self.forms)
            # Existing lines always count; an extra row only when something was typed in it.
            if (index < self.initial_form_count() or form.has_changed())
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        )


def line_formset(*, data: Any = None, invoice: Invoice | None = None) -> BaseLineFormSet:
    initial = (
        [
            {
                "description": line.description,
                "quantity": line.quantity.normalize(),
                "unit_price": line.unit_price,
                "vat_rate": line.vat_rate,
            }
            for line in invoice.lines.all()
        ]
        if invoice is not None
        else []
    )
    formset_class = forms.formset_factory(
        InvoiceLineForm,
        formset=BaseLineFormSet,
        extra=2 if initial else 4,
        can_delete=True,
        min_num=1,
        validate_min=True,
        max_num=MAX_LINES,
        validate_max=True,
    )
    return cast(BaseLineFormSet, formset_class(data, initial=initial, prefix="lines"))


class InvoiceUploadForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("This invoice is"),
        choices=[
            (InvoiceDirection.INCOMING, _("Incoming: received from a supplier")),
            (InvoiceDirection.OUTGOING, _("Outgoing: a draft to send to a customer")),
        ],
        initial=InvoiceDirection.INCOMING,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("UBL file"), help_text=_("Peppol BIS Billing 3.0 invoice XML, at most 5 MB.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class InvoiceFilterForm(forms.Form):
    number = forms.CharField(label=_("Number"), required=False, max_length=50)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("Any direction")), *InvoiceDirection.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *InvoiceStatus.choices]
    )
    date_from = forms.DateField(label=_("Issued from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Issued until"), required=False, widget=DateInput)
    counterparty = forms.CharField(label=_("Counterparty"), required=False, max_length=200)

    def __init__(self, *args: Any, with_organisation: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_organisation:
            del self.fields["organisation"]

    def filters(self) -> InvoiceFilters:
        """The filters from the fields that are valid; an invalid one is shown and ignored."""
        if not self.is_bound:
            return InvoiceFilters()
        self.is_valid()
        data = self.cleaned_data
        return InvoiceFilters(
            number=(data.get("number") or "").strip(),
            organisation=(data.get("organisation") or "").strip(),
            direction=data.get("direction") or "",
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            counterparty=(data.get("counterparty") or "").strip(),
        )


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    environment = forms.ModelChoiceField(
        label=_("Environment"),
        required=False,
        queryset=Environment.objects.none(),
        empty_label=_("Any environment"),
    )
    connection = forms.ChoiceField(
        label=_("Connection"),
        required=False,
        choices=[
            ("", _("Any connection")),
            (ClientConnectionState.CONNECTED, _("Connected")),
            (ClientConnectionState.AWAITING_KEY, _("Awaiting key")),
            (ClientConnectionState.NONE, _("Not connected")),
        ],
    )
    key = forms.ChoiceField(
        label=_("Key"),
        required=False,
        choices=[
            ("", _("Any key")),
            (ClientKeyState.ACTIVE, _("Active key")),
            (ClientKeyState.REVOKED, _("Only revoked keys")),
            (ClientKeyState.NONE, _("No key")),
        ],
    )

    def __init__(self, *args: Any, environments: QuerySet[Environment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environment"].queryset = environments  # type: ignore[attr-defined]

    def filters(self) -> ClientFilters:
        if not self.is_bound:
            return ClientFilters()
        self.is_valid()
        data = self.cleaned_data
        environment = data.get("environment")
        return ClientFilters(
            search=(data.get("q") or "").strip(),
            environment_id=environment.pk if environment else None,
            connection=data.get("connection") or "",
            key=data.get("key") or "",
        )
