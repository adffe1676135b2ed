"""The kinds of actor every authorization test uses, built from factories and real services.

``World`` holds one environment (``env``) with an organisation (``org``) and a user of every
kind, a partner environment with and without access, a former partner and a foreign tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import EnvironmentRole, User
from environments.models import Environment, Organisation, OrganisationMembership, OrganisationRole
from environments.services import membership_grant, membership_revoke
from partners.models import Partnership, PartnershipStatus
from tests.factories import (
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
    PartnershipFactory,
    UserFactory,
)

ACTORS = (
    "anonymous",
    "basic",
    "advanced",
    "admin",
    "org_member",
    "org_admin",
    "partner_member",
    "partner_no_access",
    "former_partner",
    "foreign",
    "inactive",
)


def grant(
    organisation: Organisation, user: User, role: int = OrganisationRole.MEMBER
) -> OrganisationMembership:
    """Give access the way the portal does: through the membership service."""
    return membership_grant(organisation=organisation, user=user, role=role, acting_user=None)


@dataclass
class World:
    env: Environment
    org: Organisation
    partner_env: Environment
    partnership: Partnership
    former_env: Environment
    former_partnership: Partnership
    foreign_env: Environment
    foreign_org: Organisation
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, actor: str) -> User:
        return self.users[actor]


def build_world() -> World:
    env = EnvironmentFactory(name="Home environment")
    org = OrganisationFactory(environment=env, name="Home organisation")
    admin = AdministratorFactory(environment=env, email="admin@home.test")
    users = {
        "admin": admin,
        "advanced": AdvancedUserFactory(environment=env, email="advanced@home.test"),
        "basic": UserFactory(environment=env, email="basic@home.test"),
        "org_member": UserFactory(environment=env, email="org-member@home.test"),
        "org_admin": UserFactory(environment=env, email="org-admin@home.test"),
        "inactive": UserFactory(environment=env, email="inactive@home.test", is_active=False),
    }
    grant(org, users["org_member"], OrganisationRole.MEMBER)
    grant(org, users["org_admin"], OrganisationRole.ADMINISTRATOR)

    partner_env = EnvironmentFactory(name="Partner environment")
    partnership = PartnershipFactory(environments=(env, partner_env))
    users["partner_member"] = AdvancedUserFactory(
        environment=partner_env, email="partner-member@partner.test"
    )
    users["partner_no_access"] = AdvancedUserFactory(
        environment=partner_env, email="partner-none@partner.test"
    )
    grant(org, users["partner_member"], OrganisationRole.MEMBER)

    former_env = EnvironmentFactory(name="Former partner environment")
    former_partnership = PartnershipFactory(environments=(env, former_env))
    users["former_partner"] = AdministratorFactory(environment=former_env, email="former@former.test")
    former_membership = grant(org, users["former_partner"], OrganisationRole.ADMINISTRATOR)
    membership_revoke(membership=former_membership, acting_user=None, reason="partnership ended")
    former_partnership.status = PartnershipStatus.ENDED
    former_partnership.save(update_fields=["status"])

    foreign_env = EnvironmentFactory(name="Foreign environment")
    foreign_org = OrganisationFactory(environment=foreign_env, name="Foreign organisation")
    users["foreign"] = AdministratorFactory(environment=foreign_env, email="foreign@foreign.test")
    assert users["admin"].role == EnvironmentRole.ADMINISTRATOR
    return World(
        env=env,
        org=org,
        partner_env=partner_env,
        partnership=partnership,
        former_env=former_env,
        former_partnership=former_partnership,
        foreign_env=foreign_env,
        foreign_org=foreign_org,
        users=users,
    )
