"""Administrators connect their own relationship managers to partnerships; the other side sees
them as contacts; they receive the partnership's emails."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from environments.plans import PlanFeatureUnavailable
from partners.models import Partnership, RelationshipManagerLink
from partners.services import (
    partnership_end,
    partnership_establish,
    relationship_manager_connect,
    relationship_manager_disconnect,
    relationship_request_send,
)
from tests.factories import PartnershipFactory, plan
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory
from tests.partners.mail import queued_subjects

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


@pytest.fixture
def partnership(pair: Pair) -> Partnership:
    partnership, _created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )
    return partnership


@pytest.fixture
def manager(pair: Pair) -> User:
    return RelationshipManagerFactory(environment=pair.firm, email="rm@devries.test")


def test_administrator_connects_their_manager_who_is_told(
    pair: Pair, partnership: Partnership, manager: User
) -> None:
    link = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    assert (link.partnership, link.user, link.connected_by) == (partnership, manager, pair.firm_admin)
    assert queued_subjects("rm@devries.test") == ["You are relationship manager for Bakkerij Jansen"]
    assert (
        AuditEvent.objects.filter(action="relationship_manager.connected", environment=pair.firm).count() == 1
    )


def test_connecting_twice_keeps_one_open_link(pair: Pair, partnership: Partnership, manager: User) -> None:
    first = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    second = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    assert first == second and RelationshipManagerLink.objects.count() == 1


def test_several_managers_from_both_sides(pair: Pair, partnership: Partnership, manager: User) -> None:
    colleague = RelationshipManagerFactory(environment=pair.firm)
    theirs = RelationshipManagerFactory(environment=pair.client)

    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)
    relationship_manager_connect(partnership=partnership, user=colleague, acting_user=pair.firm_admin)
    relationship_manager_connect(partnership=partnership, user=theirs, acting_user=pair.client_admin)

    assert RelationshipManagerLink.objects.filter(partnership=partnership).count() == 3


def test_an_administrator_cannot_connect_the_other_sides_manager(
    pair: Pair, partnership: Partnership, manager: User
) -> None:
    with pytest.raises(ValidationError, match="your own environment"):
        relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.client_admin)


def test_a_user_without_the_manager_role_cannot_be_connected(pair: Pair, partnership: Partnership) -> None:
    with pytest.raises(ValidationError):
        relationship_manager_connect(
            partnership=partnership, user=pair.firm_advanced, acting_user=pair.firm_admin
        )


def test_only_administrators_connect(pair: Pair, partnership: Partnership, manager: User) -> None:
    with pytest.raises(PermissionDenied):
        relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_advanced)


def test_outsiders_cannot_connect(pair: Pair, manager: User) -> None:
    unrelated = PartnershipFactory()

    with pytest.raises(PermissionDenied):
        relationship_manager_connect(partnership=unrelated, user=manager, acting_user=pair.firm_admin)


def test_no_connection_to_an_ended_partnership(pair: Pair, partnership: Partnership, manager: User) -> None:
    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    with pytest.raises(ValidationError, match="has ended"):
        relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)


def test_disconnecting_closes_the_link_and_keeps_its_history(
    pair: Pair, partnership: Partnership, manager: User
) -> None:
    link = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    relationship_manager_disconnect(link=link, acting_user=pair.firm_admin)

    link.refresh_from_db()
    assert link.disconnected_at is not None and link.disconnected_by == pair.firm_admin
    assert AuditEvent.objects.filter(action="relationship_manager.disconnected").count() == 1


def test_the_other_side_cannot_disconnect_our_manager(
    pair: Pair, partnership: Partnership, manager: User
) -> None:
    link = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    with pytest.raises(PermissionDenied):
        relationship_manager_disconnect(link=link, acting_user=pair.client_admin)


def test_managers_page_connects_through_a_post(
    client_for: ClientFor, pair: Pair, partnership: Partnership, manager: User
) -> None:
    response = client_for(pair.firm_admin).post(
        reverse("partners:relationship_manager_connect"), {"partnership": partnership.pk, "user": manager.pk}
    )

    assert response.status_code == 302
    assert RelationshipManagerLink.objects.filter(partnership=partnership, user=manager).exists()


def test_managers_page_refuses_another_environments_partnership(
    client_for: ClientFor, pair: Pair, manager: User
) -> None:
    unrelated = PartnershipFactory()

    client_for(pair.firm_admin).post(
        reverse("partners:relationship_manager_connect"), {"partnership": unrelated.pk, "user": manager.pk}
    )

    assert not RelationshipManagerLink.objects.exists()


def test_managers_page_shows_the_other_sides_managers_as_contacts(
    client_for: ClientFor, pair: Pair, partnership: Partnership, manager: User
) -> None:
    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    page = client_for(pair.client_basic).get(reverse("partners:relationship_managers")).content.decode()

    assert "mailto:rm@devries.test" in page
    assert "Connect" not in page.split("<h2>Partnerships</h2>")[1].split("</thead>")[0]


def test_managers_who_lost_the_role_are_no_longer_shown_as_contacts(
    client_for: ClientFor, pair: Pair, partnership: Partnership, manager: User
) -> None:
    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)
    manager.is_relationship_manager = False
    manager.save()

    page = client_for(pair.client_admin).get(reverse("partners:relationship_managers")).content.decode()

    assert "rm@devries.test" not in page


def test_new_requests_reach_relationship_managers(pair: Pair) -> None:
    RelationshipManagerFactory(environment=pair.client, email="rm@jansen.test")

    relationship_request_send(
        from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_admin
    )

    assert queued_subjects("rm@jansen.test") == [
        "Boekhouding De Vries asks to become your partner on the partner portal"
    ]
    assert queued_subjects("admin@jansen.test") == []


def test_connecting_needs_a_plan_with_relationship_managers(
    pair: Pair, partnership: Partnership, manager: User
) -> None:
    pair.firm.plan = plan("invoice-portal")
    pair.firm.save()
    pair.firm_admin.refresh_from_db()

    with pytest.raises(PlanFeatureUnavailable):
        relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)
