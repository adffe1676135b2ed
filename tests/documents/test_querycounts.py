"""List pages answer with the same number of queries however much data there is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from documents.models import Invoice
from environments.models import OrganisationRole
from tests.actors import World, grant
from tests.connections.factories import issued_key
from tests.documents.factories import delivered_invoice, draft_invoice
from tests.factories import OrganisationFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def _client_organisations(world: World) -> Callable[[int], None]:
    """Grow the partner member's clients: organisations of the home environment where they are
    administrator, each with a connection, a key and invoices in both directions."""
    user = world["partner_member"]

    def grow_to(total: int) -> None:
        while (
            Invoice.objects.filter(organisation__environment=world.env)
            .values("organisation")
            .distinct()
            .count()
            < total
        ):
            organisation = OrganisationFactory(environment=world.env)
            grant(organisation, user, OrganisationRole.ADMINISTRATOR)
            issued_key(organisation, user)
            draft_invoice(organisation)
            delivered_invoice(world.foreign_org, organisation)

    return grow_to


def test_clients_page_has_a_constant_query_count(world: World, client_for: ClientFor) -> None:
    client = client_for(world["partner_member"])

    count = assert_constant_queries(
        client, reverse("documents:client_list"), grow_to=_client_organisations(world)
    )

    assert count == 9


def test_filtered_clients_page_has_a_constant_query_count(world: World, client_for: ClientFor) -> None:
    client = client_for(world["partner_member"])
    url = (
        reverse("documents:client_list")
        + f"?q=Organisation&environment={world.env.pk}&connection=connected&key=active"
    )

    assert_constant_queries(client, url, grow_to=_client_organisations(world))

    assert len(client.get(url).context["rows"]) == 25


def test_all_documents_page_has_a_constant_query_count(world: World, client_for: ClientFor) -> None:
    client = client_for(world["partner_member"])

    count = assert_constant_queries(
        client, reverse("documents:invoice_list"), grow_to=_client_organisations(world)
    )

    assert count == 8


def test_organisation_documents_page_has_a_constant_query_count(world: World, client_for: ClientFor) -> None:
    def grow_to(total: int) -> None:
        while Invoice.objects.filter(organisation=world.org).count() < total:
            draft_invoice(world.org)

    count = assert_constant_queries(
        client_for(world["org_member"]),
        reverse("documents:organisation_invoice_list", kwargs={"pk": world.org.pk}),
        grow_to=grow_to,
    )

    assert count == 10
