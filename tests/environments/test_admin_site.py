"""The Django admin site serves platform staff: every model's changelist loads and searches."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from environments.services import subscription_change_plan
from tests.actors import World
from tests.factories import InvitationFactory, plan

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("environments", "environment", "Home"),
    ("accounts", "user", "admin@home"),
    ("accounts", "invitation", "example"),
    ("environments", "organisation", "Home organisation"),
    ("environments", "organisationmembership", "org-member"),
    ("environments", "plan", "Basic"),
    ("environments", "subscriptionchange", "Home"),
    ("audit", "auditevent", "admin@home"),
]


@pytest.fixture
def staff_client(world: World) -> Client:
    staff = User.objects.create_superuser(email="staff@platform.test", password="staff password 123")
    subscription_change_plan(environment=world.env, plan=plan("professional"), acting_user=world["admin"])
    InvitationFactory(environment=world.env, invited_by=world["admin"])
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize(("app", "model", "search"), CHANGELISTS)
def test_changelist_loads_and_searches(staff_client: Client, app: str, model: str, search: str) -> None:
    url = reverse(f"admin:{app}_{model}_changelist")

    listing = staff_client.get(url)
    found = staff_client.get(url, {"q": search})

    assert listing.status_code == 200
    assert found.status_code == 200
    assert found.context["cl"].result_count >= 1


def test_user_changelist_filters_by_role_and_relationship_manager(staff_client: Client, world: World) -> None:
    url = reverse("admin:accounts_user_changelist")

    response = staff_client.get(url, {"role__exact": "30", "is_relationship_manager__exact": "0"})

    emails = {user.email for user in response.context["cl"].result_list}
    assert "admin@home.test" in emails
    assert "basic@home.test" not in emails


def test_staff_can_give_the_relationship_manager_role_in_the_admin(
    staff_client: Client, world: World
) -> None:
    advanced = world["advanced"]
    url = reverse("admin:accounts_user_change", args=[advanced.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "email": advanced.email,
            "environment": advanced.environment_id,
            "role": advanced.role,
            "is_relationship_manager": "on",
            "is_active": "on",
            "date_joined_0": advanced.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": advanced.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    advanced.refresh_from_db()
    assert advanced.is_relationship_manager


def test_environment_users_cannot_reach_the_admin_site(world: World) -> None:
    client = Client()
    client.force_login(world["admin"])

    response = client.get(reverse("admin:environments_environment_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
