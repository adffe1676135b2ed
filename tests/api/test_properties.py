"""Property-based: whatever a software connection sends, the API answers without a server error."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.services import IssuedKey
from documents.ubl import invoice_to_ubl
from environments.models import Plan
from tests.actors import World
from tests.api.test_api import api
from tests.connections.factories import issued_key
from tests.documents.factories import draft_invoice
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
decimal_text = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str), st.integers().map(str), st.text(max_size=12)
)
date_text = st.one_of(st.dates().map(str), st.text(max_size=12), st.integers())
line = st.fixed_dictionaries(
    {
        "description": st.one_of(st.text(max_size=250), json_values),
        "quantity": st.one_of(decimal_text, json_values),
        "unit_price": st.one_of(decimal_text, json_values),
        "vat_rate": st.one_of(st.sampled_from(["21", "9", "0", "21.00", "19"]), decimal_text, json_values),
    }
)
invoice_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "number": st.one_of(st.text(max_size=60), json_values),
            "issue_date": date_text,
            "due_date": date_text,
            "currency": st.one_of(st.sampled_from(["EUR", "USD", "XXX", ""]), json_values),
            "counterparty_name": st.one_of(st.text(max_size=210), json_values),
            "counterparty_peppol_id": st.one_of(
                st.sampled_from(["0106:12345678", "0106:99999999", "nonsense"]), st.text(max_size=70)
            ),
            "lines": st.one_of(st.lists(line, max_size=3), json_values),
        },
        optional={"buyer_reference": st.text(max_size=110), "counterparty_vat_number": st.text(max_size=25)},
    ),
)


@pytest.fixture
def key(world: World) -> IssuedKey:
    world.env.plan = Plan.objects.create(
        code="unlimited", name="Unlimited", api_requests_per_minute=1_000_000
    )
    world.env.save(update_fields=["plan"])
    return issued_key(world.org, world["admin"])


@PROPERTY_SETTINGS
@given(body=invoice_bodies)
def test_submitting_any_json_never_errors(key: IssuedKey, body: Any) -> None:
    response = api(key).post(reverse("api:invoice_submit"), json.dumps(body), content_type="application/json")

    assert response.status_code in (201, 400), response.content


@PROPERTY_SETTINGS
@given(
    raw=st.binary(max_size=200)
    | st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass"))
)
def test_submitting_any_bytes_as_json_never_errors(key: IssuedKey, raw: bytes) -> None:
    response = api(key).post(reverse("api:invoice_submit"), raw, content_type="application/json")

    assert response.status_code in (201, 400), response.content


@PROPERTY_SETTINGS
@given(
    query=st.dictionaries(
        st.sampled_from(["since", "status", "page", "page_size", "format", "other"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_listing_with_any_query_never_errors(key: IssuedKey, query: dict[str, str]) -> None:
    response = api(key).get(reverse("api:incoming_documents"), query)

    assert response.status_code in (200, 400, 404), response.content


@PROPERTY_SETTINGS
@given(pk=st.integers(min_value=0, max_value=2**63 - 1))
def test_fetching_any_id_never_errors(key: IssuedKey, pk: int) -> None:
    client = api(key)

    statuses = {
        client.get(reverse("api:document_detail", kwargs={"pk": pk})).status_code,
        client.get(reverse("api:document_ubl", kwargs={"pk": pk})).status_code,
        client.get(reverse("api:invoice_status", kwargs={"pk": pk})).status_code,
        client.post(reverse("api:document_downloaded", kwargs={"pk": pk})).status_code,
    }

    assert statuses <= {200, 400, 404}


@pytest.fixture
def valid_ubl(world: World) -> bytes:
    customer = OrganisationFactory()
    template = draft_invoice(world.org, number="PROP-1", counterparty_peppol_id=customer.peppol_id)
    xml = invoice_to_ubl(template)
    template.delete()
    return xml


@PROPERTY_SETTINGS
@given(data=st.data())
def test_submitting_a_mutated_ubl_never_errors(key: IssuedKey, valid_ubl: bytes, data: st.DataObject) -> None:
    root = ET.fromstring(valid_ubl)
    elements = list(root.iter())
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        element = data.draw(st.sampled_from(elements))
        action = data.draw(st.sampled_from(["text", "attribute", "remove"]))
        if action == "text":
            element.text = data.draw(
                st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
            )
        elif action == "attribute":
            element.set(
                data.draw(st.sampled_from(["schemeID", "currencyID", "unitCode"])),
                data.draw(st.text(max_size=8)),
            )
        else:
            for parent in root.iter():
                if element in list(parent):
                    parent.remove(element)
                    break
    body = ET.tostring(root, encoding="utf-8")

    response = api(key).post(reverse("api:invoice_submit_ubl"), body, content_type="application/xml")

    assert response.status_code in (201, 400), response.content
