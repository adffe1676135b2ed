from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from environments.models import Plan, SubscriptionChange
from environments.services import subscription_change_plan
from tests.factories import AdministratorFactory, EnvironmentFactory, OrganisationFactory, UserFactory, plan
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_admin() -> User:
    return AdministratorFactory(environment=EnvironmentFactory(plan=plan("invoice-portal")))


def _change_url(code: str) -> str:
    return reverse("environments:subscription_change", kwargs={"code": code})


def test_subscription_page_shows_the_plan_its_limits_and_usage(free_admin: User, client_for) -> None:
    OrganisationFactory(environment=free_admin.environment)

    response = client_for(free_admin).get(reverse("environments:subscription"))

    content = response.content.decode()
    assert "Your plan: Invoice Portal" in content
    assert "1 of at most 2" in content  # organisations
    assert "1 of at most 5" in content  # active users
    assert response.context["features"][0] == ("Partnerships", False)


def test_subscription_page_compares_every_plan(free_admin: User, client_for) -> None:
    content = client_for(free_admin).get(reverse("environments:subscription")).content.decode()

    for option in Plan.objects.all():
        assert option.name in content
        assert _change_url(option.code) in content or option.code == "invoice-portal"
    assert "€&nbsp;4.50" in content  # Basic's price per connection
    assert "unlimited" in content  # Enterprise's limits


def test_changing_plan_asks_for_confirmation_first(free_admin: User, client_for) -> None:
    page = client_for(free_admin).get(_change_url("basic"))

    free_admin.environment.refresh_from_db()
    assert page.status_code == 200
    assert "Change to Basic" in page.content.decode()
    assert free_admin.environment.plan.code == "invoice-portal"
    assert not SubscriptionChange.objects.exists()


def test_administrator_changes_plan_and_the_change_is_recorded(free_admin: User, client_for) -> None:
    response = client_for(free_admin).post(_change_url("basic"))

    assert response["Location"] == reverse("environments:subscription")
    free_admin.environment.refresh_from_db()
    assert free_admin.environment.plan.code == "basic"
    change = SubscriptionChange.objects.get()
    assert (change.from_plan.code, change.to_plan.code, change.changed_by) == (
        "invoice-portal",
        "basic",
        free_admin,
    )
    assert AuditEvent.objects.get(action="subscription.plan_changed").data == {
        "from": "Invoice Portal",
        "to": "Basic",
    }


def test_history_shows_who_changed_what_and_when(free_admin: User, client_for) -> None:
    free_admin.first_name, free_admin.last_name = "Iris", "Bakker"
    free_admin.save()
    client = client_for(free_admin)
    client.post(_change_url("basic"))
    client.post(_change_url("professional"))

    response = client.get(reverse("environments:subscription"))

    history = list(response.context["page"].object_list)
    assert [(c.from_plan.code, c.to_plan.code) for c in history] == [
        ("basic", "professional"),
        ("invoice-portal", "basic"),
    ]
    assert "Iris Bakker" in response.content.decode()


def test_choosing_the_current_plan_changes_nothing(free_admin: User, client_for) -> None:
    response = client_for(free_admin).post(_change_url("invoice-portal"), follow=True)

    assert "already on Invoice Portal" in response.content.decode()
    assert not SubscriptionChange.objects.exists()


def test_a_downgrade_below_the_organisation_count_is_refused_with_a_clear_message(client_for) -> None:
    admin = AdministratorFactory(environment=EnvironmentFactory(plan=plan("basic")))
    OrganisationFactory.create_batch(3, environment=admin.environment)

    response = client_for(admin).post(_change_url("invoice-portal"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Invoice Portal allows at most 2 organisations and this environment has 3" in content
    assert "Remove organisations first or choose a larger plan." in content
    admin.environment.refresh_from_db()
    assert admin.environment.plan.code == "basic"


def test_a_downgrade_below_the_active_user_count_is_refused(client_for) -> None:
    admin = AdministratorFactory(environment=EnvironmentFactory(plan=plan("basic")))
    UserFactory.create_batch(5, environment=admin.environment)

    response = client_for(admin).post(_change_url("invoice-portal"))

    assert "allows at most 5 users and this environment has 6 active users" in response.content.decode()
    admin.environment.refresh_from_db()
    assert admin.environment.plan.code == "basic"


def test_a_downgrade_keeps_existing_data_but_stops_features(client_for) -> None:
    admin = AdministratorFactory(environment=EnvironmentFactory(plan=plan("basic")))

    subscription_change_plan(environment=admin.environment, plan=plan("invoice-portal"), acting_user=admin)

    admin.environment.refresh_from_db()
    assert not admin.environment.plan.has_partnerships


def test_unknown_plan_is_404(free_admin: User, client_for) -> None:
    assert client_for(free_admin).get(_change_url("platinum")).status_code == 404


def test_non_administrators_cannot_change_plan(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    advanced = UserFactory(environment=environment, role=20)

    response = client_for(advanced).post(_change_url("enterprise"))

    assert response.status_code == 403
    environment.refresh_from_db()
    assert environment.plan.code == "invoice-portal"


def test_subscription_page_query_count_does_not_grow_with_history(free_admin: User, client_for) -> None:
    codes = ["basic", "invoice-portal"]

    def grow_to(total: int) -> None:
        while SubscriptionChange.objects.filter(environment=free_admin.environment).count() < total:
            free_admin.environment.refresh_from_db()
            target = codes[0] if free_admin.environment.plan.code == "invoice-portal" else codes[1]
            subscription_change_plan(
                environment=free_admin.environment,
                plan=plan(target),
                acting_user=AdministratorFactory(environment=free_admin.environment, is_active=False),
            )

    assert_constant_queries(client_for(free_admin), reverse("environments:subscription"), grow_to=grow_to)
