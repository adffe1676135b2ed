from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import EnvironmentRole, User
from audit.models import AuditEvent
from environments.management.commands.seed_demo import DEMO_PASSWORD
from environments.models import (
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationUserObjectPermission,
    SubscriptionChange,
)

pytestmark = pytest.mark.django_db

MODELS_SEEDED = (
    Environment,
    User,
    EmailAddress,
    Organisation,
    OrganisationMembership,
    OrganisationUserObjectPermission,
    SubscriptionChange,
    AuditEvent,
)


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS_SEEDED}


def test_seed_demo_creates_the_firm_with_one_user_of_each_role_on_the_basic_plan() -> None:
    _seed()

    firm = Environment.objects.get(name="Demo Accountants B.V.")
    users = {user.role: user for user in firm.users.all()}
    assert firm.plan.code == "basic"
    assert sorted(users) == [
        EnvironmentRole.BASIC_USER,
        EnvironmentRole.ADVANCED_USER,
        EnvironmentRole.ADMINISTRATOR,
    ]
    assert users[EnvironmentRole.ADVANCED_USER].is_relationship_manager


def test_seed_demo_creates_three_clients_on_the_free_plan_with_an_administrator_and_organisations() -> None:
    _seed()

    clients = Environment.objects.exclude(name="Demo Accountants B.V.").prefetch_related(
        "users", "organisations"
    )
    assert len(clients) == 3
    for client in clients:
        assert client.plan.code == "invoice-portal"
        assert [user.role for user in client.users.all()] == [EnvironmentRole.ADMINISTRATOR]
        assert 1 <= len(client.organisations.all()) <= 2
        for organisation in client.organisations.all():
            organisation.full_clean()  # valid 8-digit KvK number and Peppol id


def test_every_demo_user_has_a_verified_address_and_signs_in_with_the_demo_password() -> None:
    output = _seed()

    users = list(User.objects.all())
    assert len(users) == 6
    for user in users:
        assert EmailAddress.objects.get(user=user, email=user.email).verified
        assert user.email in output
        response = Client().post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse("dashboard")
    assert DEMO_PASSWORD in output


def test_seed_demo_twice_changes_nothing() -> None:
    _seed()
    before = _counts()

    output = _seed()

    assert _counts() == before
    assert "nothing changed" in output
