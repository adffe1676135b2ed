"""partnership_establish, the Partnerships pages, partner access and the navigation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from environments.models import OrganisationRole
from environments.services import membership_grant, membership_revoke
from partners.models import Partnership
from partners.services import partnership_end, partnership_establish, relationship_manager_connect
from tests.actors import grant
from tests.factories import AdvancedUserFactory, EnvironmentFactory, PartnershipFactory, plan
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory
from tests.partners.mail import queued_subjects

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def establish(pair: Pair) -> Partnership:
    partnership, _created = partnership_establish(
        environment=pair.client,
        other_environment=pair.firm,
        origin="relationship_request",
        acting_user=pair.client_admin,
    )
    return partnership


def test_establish_creates_one_partnership_in_canonical_order(pair: Pair) -> None:
    partnership, created = partnership_establish(
        environment=pair.client, other_environment=pair.firm, origin="authorisation_request", acting_user=None
    )

    assert created
    assert partnership.environment_a_id < partnership.environment_b_id
    assert {partnership.environment_a_id, partnership.environment_b_id} == {pair.firm.pk, pair.client.pk}


def test_establish_returns_the_active_partnership_when_there_is_one(pair: Pair) -> None:
    first = establish(pair)

    again, created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )

    assert (again, created) == (first, False)
    assert AuditEvent.objects.filter(action="partnership.formed").count() == 2


def test_establish_writes_an_audit_event_for_each_side(pair: Pair) -> None:
    partnership = establish(pair)

    events = AuditEvent.objects.filter(action="partnership.formed", target_id=str(partnership.pk))
    assert {(e.environment_id, e.other_environment_id) for e in events} == {
        (pair.firm.pk, pair.client.pk),
        (pair.client.pk, pair.firm.pk),
    }


def test_an_environment_cannot_partner_with_itself(pair: Pair) -> None:
    with pytest.raises(ValidationError):
        partnership_establish(
            environment=pair.firm,
            other_environment=pair.firm,
            origin="relationship_request",
            acting_user=None,
        )


def test_partner_advanced_user_can_be_added_to_an_organisation_while_the_partnership_is_active(
    pair: Pair,
) -> None:
    partnership = establish(pair)

    membership = grant(pair.client_org, pair.firm_advanced)

    assert membership.partnership == partnership


def test_partner_basic_user_cannot_be_added(pair: Pair) -> None:
    establish(pair)

    with pytest.raises(ValidationError, match="Only advanced users and administrators"):
        grant(pair.client_org, pair.firm_basic)


def test_users_of_an_environment_without_a_partnership_cannot_be_added(pair: Pair) -> None:
    with pytest.raises(ValidationError, match="only be added while a partnership is active"):
        grant(pair.client_org, pair.firm_advanced)


def test_partner_user_holding_the_administrator_role_adds_a_colleague(
    client_for: ClientFor, pair: Pair
) -> None:
    establish(pair)
    grant(pair.client_org, pair.firm_advanced, OrganisationRole.ADMINISTRATOR)

    response = client_for(pair.firm_advanced).post(
        reverse("environments:organisation_member_add", kwargs={"pk": pair.client_org.pk}),
        {"user": pair.firm_admin.pk, "role": OrganisationRole.MEMBER},
    )

    assert response.status_code == 302
    assert pair.client_org.memberships.filter(user=pair.firm_admin).exists()


def test_partner_users_see_the_organisation_marked_with_its_environment(
    client_for: ClientFor, pair: Pair
) -> None:
    establish(pair)
    grant(pair.client_org, pair.firm_advanced)

    page = client_for(pair.firm_advanced).get(reverse("environments:organisation_list")).content.decode()

    assert "Bakkerij Jansen B.V." in page and "Bakkerij Jansen" in page and "partner" in page


def test_connected_relationship_managers_hear_about_access_changes(pair: Pair) -> None:
    partnership = establish(pair)
    manager = RelationshipManagerFactory(environment=pair.firm, email="rm@devries.test")
    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    membership = membership_grant(
        organisation=pair.client_org,
        user=pair.firm_advanced,
        role=OrganisationRole.MEMBER,
        acting_user=pair.client_admin,
    )
    membership_revoke(membership=membership, acting_user=pair.client_admin)

    subjects = queued_subjects("rm@devries.test")
    assert any(subject.startswith("Access given:") for subject in subjects)
    assert any(subject.startswith("Access removed:") for subject in subjects)


def test_partnerships_list_shows_partner_managers_and_organisations_opened_each_way(
    client_for: ClientFor, pair: Pair
) -> None:
    partnership = establish(pair)
    grant(pair.client_org, pair.firm_advanced)
    grant(pair.client_org, pair.firm_admin)
    RelationshipManagerFactory(
        environment=pair.firm, email="rm@devries.test", first_name="Rita", last_name="Manager"
    )
    relationship_manager_connect(
        partnership=partnership,
        user=pair.firm.users.get(email="rm@devries.test"),
        acting_user=pair.firm_admin,
    )

    response = client_for(pair.client_basic).get(reverse("partners:partnership_list"))

    row = next(row for row in response.context["rows"] if row.partnership == partnership)
    assert row.partner == pair.firm
    assert (row.opened_by_us, row.opened_to_us) == (1, 0)
    assert [manager.email for manager in row.their_managers] == ["rm@devries.test"]
    assert "Rita Manager" in response.content.decode()


def test_partnerships_list_searches_by_partner_name_and_kvk(client_for: ClientFor, pair: Pair) -> None:
    establish(pair)
    PartnershipFactory(
        environments=(pair.client, EnvironmentFactory(name="Other firm", kvk_number="99998888"))
    )
    client = client_for(pair.client_admin)

    by_name = client.get(reverse("partners:partnership_list"), {"q": "vries"}).context["rows"]
    by_kvk = client.get(reverse("partners:partnership_list"), {"q": "9999"}).context["rows"]

    assert [row.partner.name for row in by_name] == ["Boekhouding De Vries"]
    assert [row.partner.name for row in by_kvk] == ["Other firm"]


def test_ended_partnerships_are_under_history(client_for: ClientFor, pair: Pair) -> None:
    partnership = establish(pair)
    partnership_end(partnership=partnership, acting_user=pair.client_admin)
    client = client_for(pair.client_admin)

    active = client.get(reverse("partners:partnership_list")).context["rows"]
    history = client.get(reverse("partners:partnership_list"), {"status": "ended"}).context["rows"]

    assert active == [] and [row.partnership for row in history] == [partnership]


def test_partnership_detail_shows_both_sides_contacts(client_for: ClientFor, pair: Pair) -> None:
    partnership = establish(pair)
    manager = RelationshipManagerFactory(environment=pair.firm, email="rm@devries.test")
    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    client_side = client_for(pair.client_admin).get(
        reverse("partners:partnership_detail", kwargs={"pk": partnership.pk})
    )
    firm_side = client_for(pair.firm_admin).get(
        reverse("partners:partnership_detail", kwargs={"pk": partnership.pk})
    )

    assert [user.email for user in client_side.context["their_managers"]] == ["rm@devries.test"]
    assert [link.user.email for link in firm_side.context["our_managers"]] == ["rm@devries.test"]


def test_partners_navigation_shows_for_a_plan_with_partnerships(client_for: ClientFor, pair: Pair) -> None:
    page = client_for(pair.client_advanced).get(reverse("dashboard")).content.decode()

    for label in ("Find partners", "Partnerships", "Requests", "Relationship managers"):
        assert label in page


def test_partners_navigation_is_hidden_on_the_free_plan_without_partnerships(client_for: ClientFor) -> None:
    user = AdvancedUserFactory(environment=EnvironmentFactory(plan=plan("invoice-portal")))

    page = client_for(user).get(reverse("dashboard")).content.decode()

    assert "Partnerships" not in page


def test_partners_navigation_stays_after_a_downgrade_while_partnerships_exist(
    client_for: ClientFor, pair: Pair
) -> None:
    establish(pair)
    pair.client.plan = plan("invoice-portal")
    pair.client.save()

    page = client_for(pair.client_admin).get(reverse("dashboard")).content.decode()

    assert "Partnerships" in page and "Find partners" not in page


def test_basic_users_do_not_see_find_partners(client_for: ClientFor, pair: Pair) -> None:
    page = client_for(pair.client_basic).get(reverse("dashboard")).content.decode()

    assert "Partnerships" in page and "Find partners" not in page
