from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from documents.models import InvoiceDirection, InvoiceStatus
from documents.services import invoice_import_ubl
from documents.ubl import CAC, CBC, INVOICE_NS, UblInvalid, invoice_to_ubl, ubl_parse
from tests.documents.factories import delivered_invoice, draft_invoice, line_data
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NS = {"inv": INVOICE_NS, "cac": CAC, "cbc": CBC}


def _xml(invoice) -> ET.Element:  # type: ignore[no-untyped-def]
    return ET.fromstring(invoice_to_ubl(invoice))


def _text(root: ET.Element, path: str) -> str | None:
    element = root.find(path, NS)
    return None if element is None else element.text


def _mixed_invoice():  # type: ignore[no-untyped-def]
    supplier = OrganisationFactory(name="Supplier B.V.", vat_number="NL123456789B01")
    customer = OrganisationFactory(name="Customer B.V.")
    invoice = draft_invoice(
        supplier,
        number="2026-0042",
        counterparty_name=customer.name,
        counterparty_peppol_id=customer.peppol_id,
        counterparty_vat_number="NL987654321B01",
        buyer_reference="PO-777",
        lines=(
            line_data(description="Advice", quantity=Decimal("2.5"), unit_price=Decimal("80.00")),
            line_data(
                description="Books", quantity=Decimal("3"), unit_price=Decimal("12.35"), vat_rate=Decimal("9")
            ),
            line_data(
                description="Export",
                quantity=Decimal("1"),
                unit_price=Decimal("50.00"),
                vat_rate=Decimal("0"),
            ),
        ),
    )
    return supplier, customer, invoice


def test_the_export_holds_every_mandatory_bis_3_element() -> None:
    supplier, customer, invoice = _mixed_invoice()

    root = _xml(invoice)

    assert root.tag == f"{{{INVOICE_NS}}}Invoice"
    assert _text(root, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert _text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert _text(root, "cbc:ID") == "2026-0042"
    assert _text(root, "cbc:IssueDate") == "2026-03-01"
    assert _text(root, "cbc:DueDate") == "2026-03-31"
    assert _text(root, "cbc:InvoiceTypeCode") == "380"
    assert _text(root, "cbc:DocumentCurrencyCode") == "EUR"
    assert _text(root, "cbc:BuyerReference") == "PO-777"
    for role, organisation in (("AccountingSupplierParty", supplier), ("AccountingCustomerParty", customer)):
        party = root.find(f"cac:{role}/cac:Party", NS)
        assert party is not None
        endpoint = party.find("cbc:EndpointID", NS)
        assert endpoint is not None
        assert f"{endpoint.get('schemeID')}:{endpoint.text}" == organisation.peppol_id
        assert _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") == organisation.name
        assert _text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "NL"
    assert (
        _text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
        == "NL123456789B01"
    )
    assert _text(root, "cac:TaxTotal/cbc:TaxAmount") == "45.33"  # 21 % of 200.00 + 9 % of 37.05
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert [
        (
            _text(s, "cac:TaxCategory/cbc:ID"),
            _text(s, "cac:TaxCategory/cbc:Percent"),
            _text(s, "cbc:TaxAmount"),
        )
        for s in subtotals
    ] == [("S", "21", "42.00"), ("S", "9", "3.33"), ("Z", "0", "0.00")]
    assert {_text(s, "cac:TaxCategory/cac:TaxScheme/cbc:ID") for s in subtotals} == {"VAT"}
    assert _text(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == "287.05"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == "287.05"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == "332.38"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "332.38"
    amount = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    assert amount is not None and amount.get("currencyID") == "EUR"
    lines = root.findall("cac:InvoiceLine", NS)
    assert [_text(line, "cbc:ID") for line in lines] == ["1", "2", "3"]
    first = lines[0]
    quantity = first.find("cbc:InvoicedQuantity", NS)
    assert quantity is not None and (quantity.text, quantity.get("unitCode")) == ("2.5", "C62")
    assert _text(first, "cbc:LineExtensionAmount") == "200.00"
    assert _text(first, "cac:Item/cbc:Name") == "Advice"
    assert _text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "S"
    assert _text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "21"
    assert _text(first, "cac:Price/cbc:PriceAmount") == "80.00"


def test_the_export_orders_the_header_as_the_ubl_schema_requires() -> None:
    _supplier, _customer, invoice = _mixed_invoice()

    names = [child.tag.split("}")[1] for child in _xml(invoice)]

    assert names[:8] == [
        "CustomizationID",
        "ProfileID",
        "ID",
        "IssueDate",
        "DueDate",
        "InvoiceTypeCode",
        "DocumentCurrencyCode",
        "BuyerReference",
    ]
    assert names[8:] == [
        "AccountingSupplierParty",
        "AccountingCustomerParty",
        "TaxTotal",
        "LegalMonetaryTotal",
        "InvoiceLine",
        "InvoiceLine",
        "InvoiceLine",
    ]


def test_an_incoming_invoice_exports_the_counterparty_as_supplier() -> None:
    sender, recipient = OrganisationFactory(name="Sender B.V."), OrganisationFactory(name="Recipient B.V.")
    _outgoing, incoming = delivered_invoice(sender, recipient)

    root = _xml(incoming)

    assert _text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName") == (
        "Sender B.V."
    )
    assert _text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName") == (
        "Recipient B.V."
    )


def _content(invoice) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "buyer_reference": invoice.buyer_reference,
        "totals": (invoice.total_excl_vat, invoice.vat_total, invoice.total_incl_vat),
        "lines": [
            (line.position, line.description, line.quantity, line.unit_price, line.vat_rate, line.line_amount)
            for line in invoice.lines.all()
        ],
    }


def test_round_trip_export_then_import_at_the_customer_gives_the_same_invoice() -> None:
    supplier, customer, invoice = _mixed_invoice()

    imported = invoice_import_ubl(organisation=customer, acting_user=None, data=invoice_to_ubl(invoice))

    assert imported.direction == InvoiceDirection.INCOMING
    assert imported.status == InvoiceStatus.RECEIVED
    assert _content(imported) == _content(invoice)
    assert (
        imported.counterparty_name,
        imported.counterparty_peppol_id,
        imported.counterparty_vat_number,
    ) == (
        supplier.name,
        supplier.peppol_id,
        supplier.vat_number,
    )


def test_round_trip_export_then_import_as_outgoing_gives_the_same_invoice() -> None:
    supplier, _customer, invoice = _mixed_invoice()
    data = invoice_to_ubl(invoice)
    invoice.lines.all().delete()
    invoice.delete()

    imported = invoice_import_ubl(
        organisation=supplier, acting_user=None, data=data, direction=InvoiceDirection.OUTGOING
    )

    assert imported.status == InvoiceStatus.DRAFT
    assert imported.counterparty_vat_number == "NL987654321B01"
    assert invoice_to_ubl(imported) == data


def test_an_invoice_without_buyer_reference_round_trips_without_one() -> None:
    supplier, customer = OrganisationFactory(), OrganisationFactory()
    invoice = draft_invoice(supplier, counterparty_peppol_id=customer.peppol_id, buyer_reference="")

    imported = invoice_import_ubl(organisation=customer, acting_user=None, data=invoice_to_ubl(invoice))

    assert imported.buyer_reference == ""


def test_malformed_xml_is_refused_with_a_clear_message() -> None:
    with pytest.raises(UblInvalid) as raised:
        ubl_parse(b"<Invoice><unclosed></Invoice>")

    assert raised.value.problems[0].startswith("The file is not well-formed XML")


def test_entities_and_dtds_are_refused_without_being_resolved() -> None:
    external = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""

    with pytest.raises(UblInvalid) as raised:
        ubl_parse(external)

    assert raised.value.problems == ["The file contains a DTD or entities, which are not allowed."]


def test_a_document_that_is_not_an_invoice_is_refused() -> None:
    with pytest.raises(UblInvalid, match=r"not a UBL 2\.1 Invoice"):
        ubl_parse(b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>')


def test_every_missing_mandatory_element_is_listed() -> None:
    _supplier, _customer, invoice = _mixed_invoice()
    root = ET.fromstring(invoice_to_ubl(invoice))
    for path in (
        "cbc:IssueDate",
        "cbc:DocumentCurrencyCode",
        "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
    ):
        parent_path, _sep, _child = path.rpartition("/")
        parent = root.find(parent_path, NS) if parent_path else root
        element = root.find(path, NS)
        assert parent is not None and element is not None
        parent.remove(element)
    for line in root.findall("cac:InvoiceLine", NS):
        root.remove(line)

    with pytest.raises(UblInvalid) as raised:
        ubl_parse(ET.tostring(root))

    assert raised.value.problems == [
        "cbc:IssueDate is missing.",
        "cbc:DocumentCurrencyCode is missing.",
        "cac:AccountingCustomerParty: cbc:EndpointID is missing.",
        "cac:InvoiceLine is missing: an invoice needs at least one line.",
    ]


def test_wrong_totals_and_unsupported_values_are_listed() -> None:
    _supplier, _customer, invoice = _mixed_invoice()
    xml = invoice_to_ubl(invoice)
    xml = xml.replace(
        b'<cbc:PayableAmount currencyID="EUR">332.38', b'<cbc:PayableAmount currencyID="EUR">1.00'
    )
    xml = xml.replace(b"<cbc:InvoiceTypeCode>380", b"<cbc:InvoiceTypeCode>381")
    xml = xml.replace(b"<cbc:DueDate>2026-03-31", b"<cbc:DueDate>31-03-2026")

    with pytest.raises(UblInvalid) as raised:
        ubl_parse(xml)

    assert raised.value.problems == [
        "cbc:DueDate '31-03-2026' is not a date (YYYY-MM-DD).",
        "cbc:InvoiceTypeCode 381 is not supported (380).",
        "cac:LegalMonetaryTotal/cbc:PayableAmount is 1.00 but the lines add up to 332.38.",
    ]


def test_an_incoming_file_must_be_addressed_to_the_organisation() -> None:
    _supplier, _customer, invoice = _mixed_invoice()
    stranger = OrganisationFactory(name="Stranger B.V.")

    with pytest.raises(UblInvalid, match="is addressed to Peppol id"):
        invoice_import_ubl(organisation=stranger, acting_user=None, data=invoice_to_ubl(invoice))


def test_importing_the_same_number_twice_is_refused_with_the_reason() -> None:
    _supplier, customer, invoice = _mixed_invoice()
    invoice_import_ubl(organisation=customer, acting_user=None, data=invoice_to_ubl(invoice))

    with pytest.raises(UblInvalid, match="already has an invoice with this number"):
        invoice_import_ubl(organisation=customer, acting_user=None, data=invoice_to_ubl(invoice))
