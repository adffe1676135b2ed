from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import User
from environments.models import Environment, Organisation
from tests.factories import (
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
    UserFactory,
)


@dataclass
class Pair:
    """An accounting firm and its client, both on a plan with partnerships, not yet partners."""

    firm: Environment
    firm_admin: User
    firm_advanced: User
    firm_basic: User
    client: Environment
    client_admin: User
    client_advanced: User
    client_basic: User
    client_org: Organisation
    firm_org: Organisation


@pytest.fixture
def pair(db: None) -> Pair:
    firm = EnvironmentFactory(name="Boekhouding De Vries", kvk_number="11112222")
    client = EnvironmentFactory(name="Bakkerij Jansen", kvk_number="33334444")
    return Pair(
        firm=firm,
        firm_admin=AdministratorFactory(environment=firm, email="admin@devries.test"),
        firm_advanced=AdvancedUserFactory(environment=firm, email="accountant@devries.test"),
        firm_basic=UserFactory(environment=firm, email="basic@devries.test"),
        client=client,
        client_admin=AdministratorFactory(environment=client, email="admin@jansen.test"),
        client_advanced=AdvancedUserFactory(environment=client, email="advanced@jansen.test"),
        client_basic=UserFactory(environment=client, email="basic@jansen.test"),
        client_org=OrganisationFactory(environment=client, name="Bakkerij Jansen B.V."),
        firm_org=OrganisationFactory(environment=firm, name="De Vries Holding B.V."),
    )
