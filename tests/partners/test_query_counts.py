"""Every list page answers with a constant number of queries however many rows it shows.

The pinned counts include the session, the user, the environment and its plan (navigation)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from environments.models import OrganisationRole
from partners.models import RelationshipManagerLink
from partners.selectors import partnerships_of
from tests.actors import grant
from tests.factories import AdvancedUserFactory, EnvironmentFactory, OrganisationFactory, PartnershipFactory
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory, RelationshipRequestFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
SIZES = (2, 12)


def grow_partnerships(pair: Pair) -> Callable[[int], None]:
    """Partnerships of the client, each with managers on both sides and access both ways."""
    manager = RelationshipManagerFactory(environment=pair.client)

    def grow(total: int) -> None:
        while partnerships_of(environment_id=pair.client.pk).count() < total:
            partner = EnvironmentFactory()
            partnership = PartnershipFactory(environments=(pair.client, partner))
            partner_user = AdvancedUserFactory(environment=partner)
            grant(OrganisationFactory(environment=pair.client), partner_user, OrganisationRole.ADMINISTRATOR)
            grant(OrganisationFactory(environment=partner), pair.client_advanced)
            their_manager = RelationshipManagerFactory(environment=partner)
            RelationshipManagerLink.objects.create(partnership=partnership, user=manager)
            RelationshipManagerLink.objects.create(partnership=partnership, user=their_manager)

    return grow


def test_find_partners_query_count(client_for: ClientFor, pair: Pair) -> None:
    def grow(total: int) -> None:
        while EnvironmentFactory._meta.model.objects.filter(listed_in_directory=True).count() < total + 2:
            environment = EnvironmentFactory()
            PartnershipFactory(environments=(pair.firm, EnvironmentFactory()))
            RelationshipRequestFactory(from_environment=pair.firm, to_environment=environment)
            RelationshipRequestFactory(from_environment=EnvironmentFactory(), to_environment=pair.firm)

    count = assert_constant_queries(
        client_for(pair.firm_advanced), reverse("partners:find"), grow_to=grow, sizes=SIZES
    )
    assert count == 6


def test_partnerships_list_query_count(client_for: ClientFor, pair: Pair) -> None:
    count = assert_constant_queries(
        client_for(pair.client_admin),
        reverse("partners:partnership_list"),
        grow_to=grow_partnerships(pair),
        sizes=SIZES,
    )
    assert count == 7


def test_partnerships_history_query_count(client_for: ClientFor, pair: Pair) -> None:
    def grow(total: int) -> None:
        while partnerships_of(environment_id=pair.client.pk).filter(status="ended").count() < total:
            PartnershipFactory(environments=(pair.client, EnvironmentFactory()), status="ended")

    count = assert_constant_queries(
        client_for(pair.client_admin),
        reverse("partners:partnership_list") + "?status=ended",
        grow_to=grow,
        sizes=SIZES,
    )
    assert count == 7


def test_requests_list_query_count(client_for: ClientFor, pair: Pair) -> None:
    def grow(total: int) -> None:
        while pair.client.relationship_requests_received.count() < total:
            RelationshipRequestFactory(to_environment=pair.client)
            RelationshipRequestFactory(
                to_environment=pair.client, status="declined", decided_by=pair.client_admin
            )

    url = reverse("partners:request_list")
    count = assert_constant_queries(client_for(pair.client_admin), url, grow_to=grow, sizes=SIZES)
    assert count == 7


def test_outgoing_requests_list_query_count(client_for: ClientFor, pair: Pair) -> None:
    def grow(total: int) -> None:
        while pair.firm.relationship_requests_sent.count() < total:
            RelationshipRequestFactory(from_environment=pair.firm, sent_by=pair.firm_advanced)

    url = reverse("partners:request_list") + "?direction=outgoing"
    count = assert_constant_queries(client_for(pair.firm_advanced), url, grow_to=grow, sizes=SIZES)
    assert count == 7


def test_relationship_managers_page_query_count(client_for: ClientFor, pair: Pair) -> None:
    grow_managers = grow_partnerships(pair)

    def grow(total: int) -> None:
        grow_managers(total)
        while pair.client.users.filter(is_relationship_manager=True).count() < total:
            RelationshipManagerFactory(environment=pair.client)

    count = assert_constant_queries(
        client_for(pair.client_admin), reverse("partners:relationship_managers"), grow_to=grow, sizes=SIZES
    )
    assert count == 8


def test_partnership_detail_query_count(client_for: ClientFor, pair: Pair) -> None:
    partnership = PartnershipFactory(environments=(pair.client, pair.firm))
    manager = RelationshipManagerFactory(environment=pair.firm)
    RelationshipManagerLink.objects.create(partnership=partnership, user=manager)

    def grow(total: int) -> None:
        while pair.client.organisations.count() < total:
            organisation = OrganisationFactory(environment=pair.client)
            grant(organisation, pair.firm_advanced)
            grant(organisation, pair.firm_admin)

    url = reverse("partners:partnership_detail", kwargs={"pk": partnership.pk})
    count = assert_constant_queries(client_for(pair.client_admin), url, grow_to=grow, sizes=SIZES)
    assert count == 8
