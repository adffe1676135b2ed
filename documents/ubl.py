"""Peppol BIS Billing 3.0 (UBL 2.1 Invoice) rendering and parsing.

Rendering writes every element BIS 3.0 makes mandatory, in the order the UBL schema requires.
Parsing goes through defusedxml (no DTDs, no entities, no network) and reports every problem it
finds at once, so whoever uploads a file can fix it in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET  # only used to build XML; parsing uses defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.utils.translation import gettext as _

from documents.amounts import VAT_RATES, invoice_totals, line_amount, money, vat_category
from documents.invoice_data import LineData, PartyData, UblInvoice
from documents.models import Currency, Invoice
from environments.models import Organisation

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE_CODE = "380"  # commercial invoice
UNIT_CODE = "C62"  # "one": a unit without a dimension
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_LINES = 500

ET.register_namespace("", INVOICE_NS)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)

_PEPPOL_VALUE = re.compile(r"^[A-Za-z0-9.\-_]{1,50}$")
_SCHEME = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY_FROM_VAT = re.compile(r"^([A-Z]{2})")


class UblInvalid(Exception):
    """The file is not a usable BIS 3.0 invoice; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Rendering ------------------------------------------------------------------------------------


def _cbc(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    element.text = text
    return element


def _cac(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _amount(value: Decimal) -> str:
    return f"{money(value):.2f}"


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _percent(rate: Decimal) -> str:
    return format(Decimal(rate).normalize(), "f")


def _country(vat_number: str) -> str:
    """The party's country: from its VAT number's prefix, else the Netherlands (KvK-registered)."""
    match = _COUNTRY_FROM_VAT.match(vat_number.upper())
    if match is None:
        return "NL"
    # Greek VAT numbers start with EL, but Greece's country code is GR.
    return "GR" if match.group(1) == "EL" else match.group(1)


def _party(parent: ET.Element, role: str, party: PartyData, *, kvk_number: str = "") -> None:
    wrapper = _cac(parent, role)
    element = _cac(wrapper, "Party")
    scheme, _sep, identifier = party.peppol_id.partition(":")
    _cbc(element, "EndpointID", identifier, schemeID=scheme)
    _cbc(_cac(element, "PartyName"), "Name", party.name)
    _cbc(_cac(_cac(element, "PostalAddress"), "Country"), "IdentificationCode", _country(party.vat_number))
    if party.vat_number:
        tax_scheme = _cac(element, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_number)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if kvk_number:
        _cbc(legal, "CompanyID", kvk_number, schemeID="0106")


def _tax_category(parent: ET.Element, name: str, rate: Decimal) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", vat_category(rate))
    _cbc(category, "Percent", _percent(rate))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def invoice_to_ubl(invoice: Invoice) -> bytes:
    """The invoice as a Peppol BIS Billing 3.0 UBL 2.1 Invoice document (UTF-8 bytes)."""
    organisation: Organisation = invoice.organisation
    own = PartyData(
        name=organisation.name, peppol_id=organisation.peppol_id, vat_number=organisation.vat_number
    )
    counterparty = PartyData(
        name=invoice.counterparty_name,
        peppol_id=invoice.counterparty_peppol_id,
        vat_number=invoice.counterparty_vat_number,
    )
    supplier, customer = (own, counterparty) if invoice.is_outgoing else (counterparty, own)
    lines = list(invoice.lines.all())
    totals = invoice_totals((line.line_amount, line.vat_rate) for line in lines)
    currency = invoice.currency

    root = ET.Element(f"{{{INVOICE_NS}}}Invoice")
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "InvoiceTypeCode", INVOICE_TYPE_CODE)
    _cbc(root, "DocumentCurrencyCode", currency)
    # BIS 3.0 (PEPPOL-EN16931-R003) needs a buyer reference or an order reference.
    _cbc(root, "BuyerReference", invoice.buyer_reference or invoice.number)
    _party(
        root,
        "AccountingSupplierParty",
        supplier,
        kvk_number=organisation.kvk_number if invoice.is_outgoing else "",
    )
    _party(
        root,
        "AccountingCustomerParty",
        customer,
        kvk_number="" if invoice.is_outgoing else organisation.kvk_number,
    )

    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", _amount(totals.vat_total), currencyID=currency)
    for subtotal in totals.subtotals:
        element = _cac(tax_total, "TaxSubtotal")
        _cbc(element, "TaxableAmount", _amount(subtotal.taxable_amount), currencyID=currency)
        _cbc(element, "TaxAmount", _amount(subtotal.vat_amount), currencyID=currency)
        _tax_category(element, "TaxCategory", subtotal.rate)

    monetary = _cac(root, "LegalMonetaryTotal")
    _cbc(monetary, "LineExtensionAmount", _amount(totals.total_excl_vat), currencyID=currency)
    _cbc(monetary, "TaxExclusiveAmount", _amount(totals.total_excl_vat), currencyID=currency)
    _cbc(monetary, "TaxInclusiveAmount", _amount(totals.total_incl_vat), currencyID=currency)
    _cbc(monetary, "PayableAmount", _amount(totals.total_incl_vat), currencyID=currency)

    for index, line in enumerate(lines, start=1):
        element = _cac(root, "InvoiceLine")
        _cbc(element, "ID", str(index))
        _cbc(element, "InvoicedQuantity", _quantity(line.quantity), unitCode=UNIT_CODE)
        _cbc(element, "LineExtensionAmount", _amount(line.line_amount), currencyID=currency)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description)
        _tax_category(item, "ClassifiedTaxCategory", line.vat_rate)
        _cbc(_cac(element, "Price"), "PriceAmount", _amount(line.unit_price), currencyID=currency)

    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def ubl_filename(invoice: Invoice) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", invoice.number).strip("_") or str(invoice.pk)
    return f"invoice-{safe}.xml"


# Parsing --------------------------------------------------------------------------------------


class _Reader:
    """Reads values from the document and collects every problem instead of stopping at one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def find(self, parent: ET.Element, path: str, where: str = "") -> ET.Element | None:
        element = parent.find(_qualify(path))
        if element is None:
            self.problem(_("%(where)s%(path)s is missing.") % {"where": where, "path": path})
        return element

    def text(self, parent: ET.Element, path: str, where: str = "", *, max_length: int = 200) -> str:
        element = self.find(parent, path, where)
        if element is None:
            return ""
        value = (element.text or "").strip()
        if not value:
            self.problem(_("%(where)s%(path)s is empty.") % {"where": where, "path": path})
        elif len(value) > max_length:
            self.problem(
                _("%(where)s%(path)s is longer than %(max)d characters.")
                % {"where": where, "path": path, "max": max_length}
            )
        return value

    def optional_text(self, parent: ET.Element, path: str) -> str:
        element = parent.find(_qualify(path))
        return (element.text or "").strip() if element is not None else ""

    def date(self, parent: ET.Element, path: str) -> date | None:
        value = self.text(parent, path)
        if not value:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(
                _("%(path)s '%(value)s' is not a date (YYYY-MM-DD).") % {"path": path, "value": value}
            )
            return None

    def decimal(self, parent: ET.Element, path: str, where: str = "") -> Decimal | None:
        value = self.text(parent, path, where, max_length=30)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.problem(
                _("%(where)s%(path)s '%(value)s' is not a number.")
                % {"where": where, "path": path, "value": value}
            )
            return None
        return number

    def party(self, root: ET.Element, role: str) -> PartyData:
        where = f"cac:{role}: "
        party = self.find(root, f"cac:{role}/cac:Party")
        if party is None:
            return PartyData(name="", peppol_id="")
        endpoint = self.find(party, "cbc:EndpointID", where)
        peppol_id = ""
        if endpoint is not None:
            scheme = (endpoint.get("schemeID") or "").strip()
            identifier = (endpoint.text or "").strip()
            if not _SCHEME.match(scheme):
                self.problem(
                    _("%(where)scbc:EndpointID needs a schemeID of 4 digits (e.g. 0106).") % {"where": where}
                )
            elif not _PEPPOL_VALUE.match(identifier):
                self.problem(
                    _("%(where)scbc:EndpointID is not a valid Peppol identifier.") % {"where": where}
                )
            else:
                peppol_id = f"{scheme}:{identifier}"
        name = self.text(party, "cac:PartyLegalEntity/cbc:RegistrationName", where)
        self.text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode", where, max_length=2)
        vat_number = self.optional_text(party, "cac:PartyTaxScheme/cbc:CompanyID")
        if len(vat_number) > 20:
            self.problem(_("%(where)sthe VAT number is longer than 20 characters.") % {"where": where})
            vat_number = ""
        return PartyData(name=name, peppol_id=peppol_id, vat_number=vat_number)

    def rate(self, category: ET.Element | None, where: str) -> Decimal | None:
        if category is None:
            return None
        code = self.text(category, "cbc:ID", where, max_length=3)
        percent = self.decimal(category, "cbc:Percent", where)
        if code and code not in ("S", "Z"):
            self.problem(
                _("%(where)sVAT category %(code)s is not supported (only S and Z).")
                % {"where": where, "code": code}
            )
            return None
        if percent is None:
            return None
        if percent not in VAT_RATES:
            self.problem(
                _("%(where)sVAT rate %(rate)s %% is not supported (21, 9 or 0).")
                % {"where": where, "rate": percent}
            )
            return None
        if code and code != vat_category(percent):
            self.problem(
                _("%(where)sVAT category %(code)s does not match rate %(rate)s %%.")
                % {"where": where, "code": code, "rate": percent}
            )
            return None
        return percent.quantize(Decimal("0.01"))

    def line(self, element: ET.Element, index: int) -> LineData | None:
        where = _("InvoiceLine %(index)d: ") % {"index": index}
        problems_before = len(self.problems)
        quantity = self.decimal(element, "cbc:InvoicedQuantity", where)
        amount = self.decimal(element, "cbc:LineExtensionAmount", where)
        description = self.text(element, "cac:Item/cbc:Name", where)
        rate = self.rate(self.find(element, "cac:Item/cac:ClassifiedTaxCategory", where), where)
        price = self.decimal(element, "cac:Price/cbc:PriceAmount", where)
        if quantity is not None and (quantity <= 0 or quantity != quantity.quantize(Decimal("0.001"))):
            self.problem(
                _("%(where)sthe quantity must be positive, with at most 3 decimals.") % {"where": where}
            )
        if price is not None and (price < 0 or price != price.quantize(Decimal("0.01"))):
            self.problem(_("%(where)sthe price must be zero or more, in cents.") % {"where": where})
        if quantity is not None and price is not None and (abs(quantity) >= 10**9 or abs(price) >= 10**10):
            self.problem(_("%(where)sthe quantity or price is too large.") % {"where": where})
        if len(self.problems) > problems_before:
            return None
        assert quantity is not None and price is not None and rate is not None
        expected = line_amount(quantity=quantity, unit_price=price)
        if amount is not None and amount != expected:
            self.problem(
                _("%(where)scbc:LineExtensionAmount %(amount)s is not quantity times price (%(expected)s).")
                % {"where": where, "amount": amount, "expected": expected}
            )
            return None
        return LineData(description=description, quantity=quantity, unit_price=price, vat_rate=rate)


def _qualify(path: str) -> str:
    return path.replace("cac:", f"{{{CAC}}}").replace("cbc:", f"{{{CBC}}}")


def _check_totals(reader: _Reader, root: ET.Element, lines: Iterable[LineData]) -> None:
    totals = invoice_totals(
        (line_amount(quantity=line.quantity, unit_price=line.unit_price), line.vat_rate) for line in lines
    )
    expected = {
        "cac:TaxTotal/cbc:TaxAmount": totals.vat_total,
        "cac:LegalMonetaryTotal/cbc:LineExtensionAmount": totals.total_excl_vat,
        "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount": totals.total_excl_vat,
        "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount": totals.total_incl_vat,
        "cac:LegalMonetaryTotal/cbc:PayableAmount": totals.total_incl_vat,
    }
    for path, value in expected.items():
        declared = reader.decimal(root, path)
        if declared is not None and declared != value:
            reader.problem(
                _("%(path)s is %(declared)s but the lines add up to %(value)s.")
                % {"path": path, "declared": declared, "value": value}
            )


def ubl_parse(data: bytes) -> UblInvoice:
    """Read a BIS 3.0 invoice; raise UblInvalid listing every problem found."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UblInvalid([_("The file is larger than 5 MB.")])
    try:
        root = safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise UblInvalid([_("The file contains a DTD or entities, which are not allowed.")]) from error
    except (ET.ParseError, ValueError, UnicodeError) as error:
        raise UblInvalid([_("The file is not well-formed XML: %(error)s") % {"error": error}]) from error
    if root.tag != f"{{{INVOICE_NS}}}Invoice":
        raise UblInvalid(
            [_("The document is not a UBL 2.1 Invoice (its root element is %(tag)s).") % {"tag": root.tag}]
        )

    reader = _Reader()
    customization = reader.text(root, "cbc:CustomizationID")
    if customization and customization != CUSTOMIZATION_ID:
        reader.problem(
            _("cbc:CustomizationID is not Peppol BIS Billing 3.0 (%(id)s).") % {"id": CUSTOMIZATION_ID}
        )
    profile = reader.text(root, "cbc:ProfileID")
    if profile and profile != PROFILE_ID:
        reader.problem(_("cbc:ProfileID is not %(id)s.") % {"id": PROFILE_ID})
    number = reader.text(root, "cbc:ID", max_length=50)
    issue_date = reader.date(root, "cbc:IssueDate")
    due_date = reader.date(root, "cbc:DueDate")
    type_code = reader.text(root, "cbc:InvoiceTypeCode", max_length=3)
    if type_code and type_code != INVOICE_TYPE_CODE:
        reader.problem(_("cbc:InvoiceTypeCode %(code)s is not supported (380).") % {"code": type_code})
    currency = reader.text(root, "cbc:DocumentCurrencyCode", max_length=3)
    if currency and currency not in Currency.values:
        reader.problem(_("Currency %(code)s is not supported.") % {"code": currency})
    buyer_reference = reader.optional_text(root, "cbc:BuyerReference")
    if not buyer_reference and root.find(_qualify("cac:OrderReference/cbc:ID")) is None:
        reader.problem(_("cbc:BuyerReference (or cac:OrderReference) is missing."))
    if len(buyer_reference) > 100:
        reader.problem(_("cbc:BuyerReference is longer than 100 characters."))
    supplier = reader.party(root, "AccountingSupplierParty")
    customer = reader.party(root, "AccountingCustomerParty")
    if issue_date and due_date and due_date < issue_date:
        reader.problem(_("cbc:DueDate is before cbc:IssueDate."))

    line_elements = root.findall(_qualify("cac:InvoiceLine"))
    if not line_elements:
        reader.problem(_("cac:InvoiceLine is missing: an invoice needs at least one line."))
    if len(line_elements) > MAX_LINES:
        reader.problem(_("An invoice can have at most %(max)d lines.") % {"max": MAX_LINES})
        line_elements = []
    parsed = [reader.line(element, index) for index, element in enumerate(line_elements, start=1)]
    lines = tuple(line for line in parsed if line is not None)
    if root.find(_qualify("cac:TaxTotal/cac:TaxSubtotal")) is None:
        reader.problem(_("cac:TaxTotal/cac:TaxSubtotal is missing: VAT must be broken down per rate."))
    if len(lines) == len(parsed) and lines:
        _check_totals(reader, root, lines)

    if reader.problems:
        raise UblInvalid(reader.problems)
    assert issue_date is not None and due_date is not None
    return UblInvoice(
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        # The portal writes the invoice number when there is no buyer reference: read it back as none.
        buyer_reference="" if buyer_reference == number else buyer_reference,
        supplier=supplier,
        customer=customer,
        lines=lines,
    )
