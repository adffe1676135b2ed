from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from connections.services import IssuedKey, connection_key_issue, connection_revoke
from documents.models import Invoice, InvoiceDirection, InvoiceStatus
from documents.ubl import invoice_to_ubl
from environments.models import OrganisationRole, Plan
from partners.signals import partnership_ended
from tests.actors import World, grant
from tests.connections.factories import issued_key
from tests.documents.factories import delivered_invoice, draft_invoice
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def basic(app_key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{app_key}:{secret}".encode()).decode()


def api(issued: IssuedKey) -> Client:
    return Client(HTTP_AUTHORIZATION=basic(issued.key.app_key, issued.secret))


@pytest.fixture
def key(world: World) -> IssuedKey:
    return issued_key(world.org, world["admin"])


def _invoice_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": "API-1",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "counterparty_name": "Customer B.V.",
        "counterparty_peppol_id": "0106:99999999",
        "lines": [{"description": "Advice", "quantity": "2", "unit_price": "100.00", "vat_rate": "21"}],
    }
    body.update(overrides)
    return body


# Authentication ---------------------------------------------------------------------------------


def test_a_request_without_credentials_is_401_with_the_basic_challenge(world: World) -> None:
    response = Client().get(reverse("api:incoming_documents"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer token"],
)
def test_malformed_credentials_are_401(world: World, header: str) -> None:
    response = Client(HTTP_AUTHORIZATION=header).get(reverse("api:incoming_documents"))

    assert response.status_code == 401


def test_a_wrong_secret_is_401(key: IssuedKey) -> None:
    response = Client(HTTP_AUTHORIZATION=basic(key.key.app_key, "sk_wrong")).get(
        reverse("api:incoming_documents")
    )

    assert response.status_code == 401


def test_a_regenerated_key_is_401_and_the_new_one_works(world: World, key: IssuedKey) -> None:
    fresh = connection_key_issue(connection=key.key.connection, acting_user=world["admin"])

    assert api(key).get(reverse("api:incoming_documents")).status_code == 401
    assert api(fresh).get(reverse("api:incoming_documents")).status_code == 200


def test_a_revoked_connection_is_401(world: World, key: IssuedKey) -> None:
    connection_revoke(connection=key.key.connection, acting_user=world["admin"])

    assert api(key).get(reverse("api:incoming_documents")).status_code == 401


def test_a_key_whose_partnership_ended_is_401(world: World) -> None:
    grant(world.org, world["partner_member"], OrganisationRole.ADMINISTRATOR)
    partner_key = issued_key(world.org, world["partner_member"])
    assert api(partner_key).get(reverse("api:incoming_documents")).status_code == 200

    with transaction.atomic():
        partnership_ended.send(sender=None, partnership=world.partnership, acting_user=world["admin"])

    assert api(partner_key).get(reverse("api:incoming_documents")).status_code == 401


def test_using_a_key_records_its_last_use(key: IssuedKey) -> None:
    api(key).get(reverse("api:incoming_documents"))

    key.key.refresh_from_db()
    key.key.connection.refresh_from_db()
    assert key.key.last_used_at is not None
    assert key.key.connection.last_used_at == key.key.last_used_at


def test_requests_are_rate_limited_per_key_by_the_plan(world: World, key: IssuedKey) -> None:
    tiny = Plan.objects.create(code="tiny", name="Tiny", api_requests_per_minute=3)
    world.env.plan = tiny
    world.env.save(update_fields=["plan"])
    other = issued_key(world.org, world["admin"], label="other")
    client = api(key)

    statuses = [client.get(reverse("api:incoming_documents")).status_code for _ in range(4)]
    other_status = api(other).get(reverse("api:incoming_documents")).status_code
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        later = client.get(reverse("api:incoming_documents")).status_code

    assert statuses == [200, 200, 200, 429]
    assert other_status == 200
    assert later == 200


# Incoming documents -----------------------------------------------------------------------------


def test_incoming_documents_are_listed_for_the_key_organisation_only(world: World, key: IssuedKey) -> None:
    supplier = OrganisationFactory(name="Supplier B.V.")
    _outgoing, incoming = delivered_invoice(supplier, world.org, number="IN-1")
    draft_invoice(world.org, number="OUT-1")
    delivered_invoice(supplier, world.foreign_org, number="FOREIGN-IN-1")

    response = api(key).get(reverse("api:incoming_documents"))

    body = response.json()
    assert body["count"] == 1
    document = body["results"][0]
    assert (document["id"], document["number"], document["direction"], document["status"]) == (
        incoming.pk,
        "IN-1",
        "incoming",
        "received",
    )
    assert document["counterparty"] == {
        "name": "Supplier B.V.",
        "peppol_id": supplier.peppol_id,
        "vat_number": "",
    }
    assert document["total_incl_vat"] == "242.00"
    assert document["lines"][0]["description"] == "Consultancy"


def test_incoming_documents_are_paginated_and_filtered_by_since_and_status(
    world: World, key: IssuedKey
) -> None:
    supplier = OrganisationFactory()
    with time_machine.travel("2026-03-01 10:00:00+00:00"):
        _out, early = delivered_invoice(supplier, world.org)
    with time_machine.travel("2026-03-05 10:00:00+00:00"):
        later = [delivered_invoice(supplier, world.org)[1] for _ in range(3)]
    client = api(key)

    since = client.get(reverse("api:incoming_documents"), {"since": "2026-03-02T00:00:00Z", "page_size": 2})
    next_page = client.get(since.json()["next"])
    client.post(reverse("api:document_downloaded", kwargs={"pk": later[0].pk}))
    received = client.get(reverse("api:incoming_documents"), {"status": "received"})

    assert since.json()["count"] == 3
    assert [d["id"] for d in since.json()["results"] + next_page.json()["results"]] == [i.pk for i in later]
    assert [d["id"] for d in received.json()["results"]] == [early.pk, later[1].pk, later[2].pk]


def test_a_bad_since_is_400_with_the_field_error(key: IssuedKey) -> None:
    response = api(key).get(reverse("api:incoming_documents"), {"since": "yesterday", "status": "paid"})

    assert response.status_code == 400
    assert set(response.json()) == {"since", "status"}


def test_a_document_is_fetched_as_json_and_as_ubl(world: World, key: IssuedKey) -> None:
    _outgoing, incoming = delivered_invoice(OrganisationFactory(), world.org)
    client = api(key)

    as_json = client.get(reverse("api:document_detail", kwargs={"pk": incoming.pk}))
    as_ubl = client.get(reverse("api:document_ubl", kwargs={"pk": incoming.pk}))

    assert as_json.json()["number"] == incoming.number
    assert as_ubl["Content-Type"] == "application/xml; charset=utf-8"
    assert as_ubl.content == invoice_to_ubl(Invoice.objects.get(pk=incoming.pk))


def test_another_organisation_document_is_404(world: World, key: IssuedKey) -> None:
    foreign = draft_invoice(world.foreign_org)
    client = api(key)

    for name in ("api:document_detail", "api:document_ubl", "api:invoice_status"):
        assert client.get(reverse(name, kwargs={"pk": foreign.pk})).status_code == 404
    assert client.post(reverse("api:document_downloaded", kwargs={"pk": foreign.pk})).status_code == 404


def test_marking_downloaded(world: World, key: IssuedKey) -> None:
    _outgoing, incoming = delivered_invoice(OrganisationFactory(), world.org)
    outgoing = draft_invoice(world.org)
    client = api(key)

    response = client.post(reverse("api:document_downloaded", kwargs={"pk": incoming.pk}))
    refused = client.post(reverse("api:document_downloaded", kwargs={"pk": outgoing.pk}))

    assert response.status_code == 200
    assert response.json()["status"] == "downloaded"
    assert refused.status_code == 400


# Outgoing invoices ------------------------------------------------------------------------------


def test_submitting_json_creates_and_sends_the_invoice(
    world: World,
    key: IssuedKey,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    recipient = OrganisationFactory()
    client = api(key)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:invoice_submit"),
            _invoice_json(counterparty_peppol_id=recipient.peppol_id),
            content_type="application/json",
        )
    status = client.get(reverse("api:invoice_status", kwargs={"pk": response.json()["id"]}))

    assert response.status_code == 201
    assert response.json()["total_incl_vat"] == "242.00"
    assert status.json()["status"] == "delivered"
    assert Invoice.objects.get(organisation=recipient).direction == InvoiceDirection.INCOMING
    assert Invoice.objects.get(pk=response.json()["id"]).created_by == world["admin"]


def test_a_failed_delivery_shows_in_the_status(key: IssuedKey, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = api(key)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(reverse("api:invoice_submit"), _invoice_json(), content_type="application/json")
    status = client.get(reverse("api:invoice_status", kwargs={"pk": created.json()["id"]})).json()

    assert (status["status"], status["failure_reason"]) == (
        "failed",
        "No organisation with Peppol id 0106:99999999 is on the platform.",
    )


def test_bad_json_is_400_with_field_errors(key: IssuedKey) -> None:
    response = api(key).post(
        reverse("api:invoice_submit"),
        _invoice_json(
            due_date="2026-01-01",
            counterparty_peppol_id="nonsense",
            currency="XXX",
            lines=[{"description": "", "quantity": "-1", "unit_price": "1.001", "vat_rate": "19"}],
        ),
        content_type="application/json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"counterparty_peppol_id", "currency", "lines"}
    # Line errors are keyed by the line's index.
    assert set(errors["lines"]["0"]) == {"description", "quantity", "unit_price", "vat_rate"}


def test_a_duplicate_number_or_self_addressed_invoice_is_400_and_leaves_no_draft(
    world: World, key: IssuedKey
) -> None:
    draft_invoice(world.org, number="API-1")
    client = api(key)

    duplicate = client.post(reverse("api:invoice_submit"), _invoice_json(), content_type="application/json")
    to_self = client.post(
        reverse("api:invoice_submit"),
        _invoice_json(number="API-2", counterparty_peppol_id=world.org.peppol_id),
        content_type="application/json",
    )

    assert duplicate.status_code == 400 and "number" in duplicate.json()
    assert to_self.status_code == 400 and "itself" in to_self.json()["non_field_errors"][0]
    assert not Invoice.objects.filter(number="API-2").exists()


def test_submitting_ubl_creates_and_sends_the_invoice(world: World, key: IssuedKey) -> None:
    customer = OrganisationFactory()
    template = draft_invoice(world.org, number="UBL-1", counterparty_peppol_id=customer.peppol_id)
    xml = invoice_to_ubl(template)
    template.delete()

    response = api(key).post(reverse("api:invoice_submit_ubl"), xml, content_type="application/xml")

    assert response.status_code == 201
    created = Invoice.objects.get(pk=response.json()["id"])
    assert (created.number, created.status, created.counterparty_peppol_id) == (
        "UBL-1",
        InvoiceStatus.SENT,
        customer.peppol_id,
    )


def test_invalid_ubl_is_400_listing_every_problem(key: IssuedKey) -> None:
    response = api(key).post(reverse("api:invoice_submit_ubl"), b"<Invoice>", content_type="application/xml")
    empty = api(key).post(reverse("api:invoice_submit_ubl"), b"", content_type="application/xml")

    assert response.status_code == 400
    assert response.json()["ubl"][0].startswith("The file is not well-formed XML")
    assert empty.status_code == 400


def test_ubl_of_another_supplier_is_refused(world: World, key: IssuedKey) -> None:
    other = draft_invoice(world.foreign_org, counterparty_peppol_id=world.org.peppol_id)

    response = api(key).post(
        reverse("api:invoice_submit_ubl"), invoice_to_ubl(other), content_type="application/xml"
    )

    assert response.status_code == 400
    assert "The supplier's Peppol id is" in response.json()["ubl"][0]


# Schema -----------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_every_endpoint_and_the_key_authentication() -> None:
    response = Client().get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert schema["components"]["securitySchemes"]["connectionKey"] == {
        "type": "http",
        "scheme": "basic",
        "description": schema["components"]["securitySchemes"]["connectionKey"]["description"],
    }
    assert set(schema["paths"]) == {
        "/api/v1/documents/incoming/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/ubl/",
        "/api/v1/documents/{id}/downloaded/",
        "/api/v1/invoices/",
        "/api/v1/invoices/ubl/",
        "/api/v1/invoices/{id}/status/",
    }


def test_the_api_documentation_page_is_served_without_a_cdn() -> None:
    response = Client().get(reverse("api:docs"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in content
    assert "cdn" not in content.lower()
