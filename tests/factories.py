"""factory-boy factories for every model. Rows that services own (memberships, permissions)
are made through the services: see ``grant`` in tests/actors.py."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import EnvironmentRole, Invitation, User
from accounts.tokens import link_token_hash
from environments.models import Environment, Organisation, Plan
from partners.models import Partnership, PartnershipOrigin, PartnershipStatus

TEST_PASSWORD = "correct horse battery staple"


def plan(code: str) -> Plan:
    """Plans are seeded by a data migration; tests pick them by code."""
    return Plan.objects.get(code=code)


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment

    name = factory.Sequence(lambda n: f"Environment {n}")
    kvk_number = factory.Sequence(lambda n: f"{50000000 + n:08d}")
    plan = factory.LazyFunction(lambda: plan("basic"))
    listed_in_directory = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    environment = factory.SubFactory(EnvironmentFactory)
    role = EnvironmentRole.BASIC_USER
    is_active = True

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class AdministratorFactory(UserFactory):
    role = EnvironmentRole.ADMINISTRATOR


class AdvancedUserFactory(UserFactory):
    role = EnvironmentRole.ADVANCED_USER


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    environment = factory.SubFactory(EnvironmentFactory)
    name = factory.Sequence(lambda n: f"Organisation {n} B.V.")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    peppol_id = factory.LazyAttribute(lambda o: f"0106:{o.kvk_number}")


class PartnershipFactory(factory.django.DjangoModelFactory):
    """An active partnership. Pass ``environments=(x, y)``; the pair is stored in canonical order."""

    class Meta:
        model = Partnership
        exclude = ["environments"]

    environments = factory.LazyFunction(lambda: (EnvironmentFactory(), EnvironmentFactory()))
    environment_a = factory.LazyAttribute(lambda o: min(o.environments, key=lambda e: e.pk))
    environment_b = factory.LazyAttribute(lambda o: max(o.environments, key=lambda e: e.pk))
    status = PartnershipStatus.ACTIVE
    origin = PartnershipOrigin.RELATIONSHIP_REQUEST


class InvitationFactory(factory.django.DjangoModelFactory):
    """Pass ``token="..."`` to know the link's token; only its hash is stored."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    token = factory.Sequence(lambda n: f"invitation-token-{n}")
    environment = factory.SubFactory(EnvironmentFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    invited_by = factory.SubFactory(AdministratorFactory, environment=factory.SelfAttribute("..environment"))
    token_hash = factory.LazyAttribute(lambda o: link_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
