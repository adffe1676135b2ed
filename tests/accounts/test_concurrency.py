"""Races on PostgreSQL: real threads, real transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.models import EnvironmentRole, User
from accounts.services import user_change_role, user_deactivate
from environments.models import Organisation
from environments.services import organisation_create
from tests.factories import AdministratorFactory, EnvironmentFactory, OrganisationFactory, plan

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*actions: Callable[[], object]) -> list[str]:
    """Run the actions at the same moment; return "ok" or the exception's class name for each."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = [""] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
            outcomes[index] = "ok"
        except Exception as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_administrators_demoting_each_other_leave_one_administrator() -> None:
    environment = EnvironmentFactory()
    first = AdministratorFactory(environment=environment)
    second = AdministratorFactory(environment=environment)

    outcomes = _race(
        lambda: user_change_role(user=second, role=EnvironmentRole.BASIC_USER, acting_user=first),
        lambda: user_change_role(user=first, role=EnvironmentRole.BASIC_USER, acting_user=second),
    )

    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert User.objects.filter(environment=environment, role=EnvironmentRole.ADMINISTRATOR).count() == 1


def test_two_administrators_deactivating_each_other_leave_one_active_administrator() -> None:
    environment = EnvironmentFactory()
    first = AdministratorFactory(environment=environment)
    second = AdministratorFactory(environment=environment)

    outcomes = _race(
        lambda: user_deactivate(user=second, acting_user=first),
        lambda: user_deactivate(user=first, acting_user=second),
    )

    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert User.objects.filter(environment=environment, is_active=True).count() == 1


def test_concurrent_organisation_creations_cannot_exceed_the_plan_limit() -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    admin = AdministratorFactory(environment=environment)
    OrganisationFactory(environment=environment)

    outcomes = _race(
        lambda: organisation_create(
            environment=environment, acting_user=admin, name="A", kvk_number="11110001"
        ),
        lambda: organisation_create(
            environment=environment, acting_user=admin, name="B", kvk_number="11110002"
        ),
    )

    assert sorted(outcomes) == ["PlanFeatureUnavailable", "ok"]
    assert Organisation.objects.filter(environment=environment).count() == 2
