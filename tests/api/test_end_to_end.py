"""A connection key retrieved in the portal works over real HTTP, and stops when regenerated."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from connections.models import SoftwareConnection
from documents.models import Invoice, InvoiceStatus
from tests.actors import build_world
from tests.api.test_api import basic
from tests.documents.factories import delivered_invoice
from tests.factories import OrganisationFactory


def _http(url: str, *, auth: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # the live test server on localhost
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _retrieve_key(client: Client, connection: SoftwareConnection) -> tuple[str, str]:
    page = client.post(
        reverse("connections:connection_key_issue", kwargs={"pk": connection.pk})
    ).content.decode()
    app_key = re.search(r'id="app-key">([^<]+)<', page)
    secret = re.search(r'id="secret">([^<]+)<', page)
    assert app_key and secret
    return app_key.group(1), secret.group(1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_key_retrieved_in_the_portal_reads_and_sends_invoices_over_http(
    live_server: Any, client_for: Callable[[User | None], Client]
) -> None:
    world = build_world()
    portal = client_for(world["org_admin"])
    portal.post(
        reverse("connections:connection_create", kwargs={"pk": world.org.pk}), {"package": "snelstart"}
    )
    connection = SoftwareConnection.objects.get(organisation=world.org)
    app_key, secret = _retrieve_key(portal, connection)
    supplier, customer = OrganisationFactory(name="Supplier B.V."), OrganisationFactory(name="Customer B.V.")
    delivered_invoice(supplier, world.org, number="E2E-IN-1")
    auth = basic(app_key, secret)

    listed_status, listed = _http(f"{live_server.url}/api/v1/documents/incoming/", auth=auth)
    sent_status, sent = _http(
        f"{live_server.url}/api/v1/invoices/",
        auth=auth,
        body={
            "number": "E2E-OUT-1",
            "issue_date": "2026-03-01",
            "due_date": "2026-03-31",
            "counterparty_name": customer.name,
            "counterparty_peppol_id": customer.peppol_id,
            "lines": [
                {"description": "Bookkeeping", "quantity": "1", "unit_price": "150.00", "vat_rate": "21"}
            ],
        },
    )
    _status, status = _http(f"{live_server.url}/api/v1/invoices/{sent['id']}/status/", auth=auth)
    new_app_key, new_secret = _retrieve_key(portal, connection)
    old_key_status, _body = _http(f"{live_server.url}/api/v1/documents/incoming/", auth=auth)
    new_key_status, _body = _http(
        f"{live_server.url}/api/v1/documents/incoming/", auth=basic(new_app_key, new_secret)
    )

    assert (listed_status, [document["number"] for document in listed["results"]]) == (200, ["E2E-IN-1"])
    assert sent_status == 201
    assert status["status"] == InvoiceStatus.DELIVERED
    assert Invoice.objects.get(organisation=customer).number == "E2E-OUT-1"
    assert (old_key_status, new_key_status) == (401, 200)
