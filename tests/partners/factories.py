"""Factories for partners' models; the base ones live in tests/factories.py."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tokens import link_token_hash
from partners.models import RelationshipManagerLink, RelationshipRequest, RelationshipRequestStatus
from tests.factories import AdvancedUserFactory, EnvironmentFactory, PartnershipFactory


class RelationshipManagerFactory(AdvancedUserFactory):
    is_relationship_manager = True


class RelationshipRequestFactory(factory.django.DjangoModelFactory):
    """A pending request. Pass ``token="..."`` to know the link's token; only its hash is stored."""

    class Meta:
        model = RelationshipRequest
        exclude = ["token"]

    token = factory.Sequence(lambda n: f"relationship-request-token-{n:04d}-abcdefghijklmnop")
    from_environment = factory.SubFactory(EnvironmentFactory)
    to_environment = factory.SubFactory(EnvironmentFactory)
    sent_by = factory.SubFactory(AdvancedUserFactory, environment=factory.SelfAttribute("..from_environment"))
    message = "We would like to work for you."
    status = RelationshipRequestStatus.PENDING
    token_hash = factory.LazyAttribute(lambda o: link_token_hash(o.token))
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=14))


class RelationshipManagerLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipManagerLink

    partnership = factory.SubFactory(PartnershipFactory)
    user = factory.SubFactory(
        RelationshipManagerFactory, environment=factory.SelfAttribute("..partnership.environment_a")
    )
