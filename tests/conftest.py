from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_migrate
from django.test import Client

from accounts.models import User
from environments.models import Plan
from tests.actors import World, build_world
from tests.factories import AdministratorFactory, AdvancedUserFactory, EnvironmentFactory, UserFactory


def _plans_back_after_flush(using: str, **kwargs: Any) -> None:
    """Plans are seeded by a data migration. A transactional test (threads, live server, browser
    journeys) ends with a flush that empties every table; Django then sends post_migrate, and this
    puts the plans back so the next test starts from a freshly migrated database."""
    if not Plan.objects.using(using).exists():
        importlib.import_module("environments.migrations.0003_seed_plans").seed_plans(apps, None)


post_migrate.connect(
    _plans_back_after_flush, sender=apps.get_app_config("environments"), dispatch_uid="tests-plans-back"
)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate limits and throttles live in Redis; each test starts from a clean slate."""
    cache.clear()
    yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(client: Client) -> Callable[[User | None], Client]:
    """A test client signed in as ``user`` (or anonymous for None)."""

    def _client_for(user: User | None) -> Client:
        fresh = Client()
        if user is not None:
            fresh.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return fresh

    return _client_for


@pytest.fixture
def environment(db: None):  # type: ignore[no-untyped-def]
    return EnvironmentFactory()


@pytest.fixture
def admin_user(environment) -> User:  # type: ignore[no-untyped-def]
    return AdministratorFactory(environment=environment)


@pytest.fixture
def advanced_user(environment) -> User:  # type: ignore[no-untyped-def]
    return AdvancedUserFactory(environment=environment)


@pytest.fixture
def basic_user(environment) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(environment=environment)
