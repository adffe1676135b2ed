"""The database itself keeps the invariants, whatever the code above it does."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from partners.models import Partnership, PartnershipStatus, RelationshipManagerLink, RelationshipRequestStatus
from tests.factories import EnvironmentFactory, PartnershipFactory
from tests.partners.factories import RelationshipManagerFactory, RelationshipRequestFactory

pytestmark = pytest.mark.django_db


def test_second_active_partnership_for_the_same_pair_is_refused_by_postgresql() -> None:
    first, second = EnvironmentFactory(), EnvironmentFactory()
    PartnershipFactory(environments=(first, second))

    with pytest.raises(IntegrityError, match="one_active_partnership_per_pair"), transaction.atomic():
        PartnershipFactory(environments=(second, first))


def test_a_new_partnership_can_be_formed_after_the_old_one_ended() -> None:
    first, second = EnvironmentFactory(), EnvironmentFactory()
    PartnershipFactory(environments=(first, second), status=PartnershipStatus.ENDED, ended_at=timezone.now())

    PartnershipFactory(environments=(first, second))

    assert Partnership.objects.filter(environment_a=first, environment_b=second).count() == 2


def test_partnership_pair_must_be_stored_in_canonical_order() -> None:
    first, second = EnvironmentFactory(), EnvironmentFactory()

    with pytest.raises(IntegrityError, match="partnership_pair_in_canonical_order"), transaction.atomic():
        Partnership.objects.create(environment_a=second, environment_b=first, origin="relationship_request")


def test_second_pending_request_for_the_same_ordered_pair_is_refused_by_postgresql() -> None:
    sender, receiver = EnvironmentFactory(), EnvironmentFactory()
    RelationshipRequestFactory(from_environment=sender, to_environment=receiver)

    with (
        pytest.raises(IntegrityError, match="one_pending_relationship_request_per_ordered_pair"),
        transaction.atomic(),
    ):
        RelationshipRequestFactory(from_environment=sender, to_environment=receiver)


def test_pending_requests_in_opposite_directions_are_two_ordered_pairs() -> None:
    first, second = EnvironmentFactory(), EnvironmentFactory()
    RelationshipRequestFactory(from_environment=first, to_environment=second)

    RelationshipRequestFactory(from_environment=second, to_environment=first)


def test_closed_requests_do_not_block_a_new_pending_one() -> None:
    sender, receiver = EnvironmentFactory(), EnvironmentFactory()
    for status in ("accepted", "declined", "withdrawn", "expired"):
        RelationshipRequestFactory(from_environment=sender, to_environment=receiver, status=status)

    RelationshipRequestFactory(from_environment=sender, to_environment=receiver)

    assert sender.relationship_requests_sent.filter(status=RelationshipRequestStatus.PENDING).count() == 1


def test_request_to_ones_own_environment_is_refused_by_postgresql() -> None:
    environment = EnvironmentFactory()

    with (
        pytest.raises(IntegrityError, match="relationship_request_between_two_environments"),
        transaction.atomic(),
    ):
        RelationshipRequestFactory(from_environment=environment, to_environment=environment)


def test_request_tokens_hashes_are_unique() -> None:
    RelationshipRequestFactory(token="same-token")

    with pytest.raises(IntegrityError), transaction.atomic():
        RelationshipRequestFactory(token="same-token")


def test_a_manager_has_one_open_link_per_partnership() -> None:
    partnership = PartnershipFactory()
    manager = RelationshipManagerFactory(environment=partnership.environment_a)
    RelationshipManagerLink.objects.create(partnership=partnership, user=manager)

    with (
        pytest.raises(IntegrityError, match="one_open_relationship_manager_link_per_partnership_and_user"),
        transaction.atomic(),
    ):
        RelationshipManagerLink.objects.create(partnership=partnership, user=manager)


def test_a_closed_link_does_not_block_reconnecting() -> None:
    partnership = PartnershipFactory()
    manager = RelationshipManagerFactory(environment=partnership.environment_a)
    RelationshipManagerLink.objects.create(
        partnership=partnership, user=manager, disconnected_at=timezone.now()
    )

    RelationshipManagerLink.objects.create(partnership=partnership, user=manager)
