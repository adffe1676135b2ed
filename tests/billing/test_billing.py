from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import CostAllocation
from billing.selectors import billing_summary
from billing.services import cost_allocation_assign, cost_allocations_return_for_partnership
from environments.models import OrganisationRole
from tests.authorisations.helpers import send
from tests.factories import (
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
    PartnershipFactory,
    plan,
)
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    return EnvironmentFactory(name="Demo Accountants", plan=plan("basic"))


def test_an_environment_pays_for_its_own_organisations_by_default(firm) -> None:
    OrganisationFactory.create_batch(2, environment=firm)

    summary = billing_summary(environment=firm)

    assert (summary.own_connections, summary.client_connections) == (2, 0)
    assert summary.total == firm.plan.monthly_price + 2 * firm.plan.price_per_connection


def test_taking_on_a_client_moves_the_cost_to_the_intermediary(firm) -> None:
    client_env = EnvironmentFactory(plan=plan("invoice-portal"))
    organisation = OrganisationFactory(environment=client_env)
    partnership = PartnershipFactory(environments=(firm, client_env))

    cost_allocation_assign(organisation=organisation, payer=firm, partnership=partnership, acting_user=None)

    assert billing_summary(environment=firm).client_connections == 1
    assert billing_summary(environment=client_env).own_connections == 0


def test_ending_the_partnership_returns_the_cost_and_tells_both_sides(firm) -> None:
    client_env = EnvironmentFactory(plan=plan("invoice-portal"))
    AdministratorFactory(environment=client_env, email="client-admin@example.test")
    AdministratorFactory(environment=firm, email="firm-admin@example.test")
    organisation = OrganisationFactory(environment=client_env)
    partnership = PartnershipFactory(environments=(firm, client_env))
    cost_allocation_assign(organisation=organisation, payer=firm, partnership=partnership, acting_user=None)

    returned = cost_allocations_return_for_partnership(partnership=partnership, acting_user=None)

    assert returned == 1
    assert not CostAllocation.objects.filter(ended_at__isnull=True).exists()
    assert billing_summary(environment=client_env).own_connections == 1
    from post_office.models import Email

    recipients = {
        address for email in Email.objects.filter(subject__contains="returned") for address in email.to
    }
    assert {"client-admin@example.test", "firm-admin@example.test"} <= recipients


def test_billing_page_and_csv_show_the_connections_paid_for(firm, client_for) -> None:
    admin = AdministratorFactory(environment=firm)
    OrganisationFactory(environment=firm, name="Own Org")
    client_env = EnvironmentFactory()
    client_org = OrganisationFactory(environment=client_env, name="Client Org")
    cost_allocation_assign(
        organisation=client_org,
        payer=firm,
        partnership=PartnershipFactory(environments=(firm, client_env)),
        acting_user=None,
    )
    client = client_for(admin)

    page = client.get(reverse("billing:billing"))
    export = client.get(reverse("billing:billing_export"))

    assert page.status_code == 200
    assert b"Own Org" in page.content and b"Client Org" in page.content
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv")
    assert "Client Org" in body and "Own Org" in body
    assert body.splitlines()[0].startswith("organisation,kvk_number")


def test_billing_page_keeps_a_constant_query_count(firm, client_for) -> None:
    admin = AdministratorFactory(environment=firm)

    def grow_to(size: int) -> None:
        for _n in range(firm.organisations.count(), size):
            OrganisationFactory(environment=firm)

    firm.plan = plan("enterprise")
    firm.save()
    assert_constant_queries(client_for(admin), reverse("billing:billing"), grow_to=grow_to)


def test_accepted_request_with_intermediary_paying_shows_on_the_firms_billing(firm, client_for) -> None:
    from authorisations.services import authorisation_request_accept

    accountant = AdvancedUserFactory(environment=firm)
    client_admin = AdministratorFactory(environment=EnvironmentFactory(plan=plan("invoice-portal")))
    _request, token = send(accountant)

    authorisation_request_accept(
        token=token, acting_user=client_admin, organisation_id=None, role=OrganisationRole.MEMBER
    )

    assert billing_summary(environment=firm).client_connections == 1
