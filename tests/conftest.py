from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.actors import World, build_world
from tests.factories import AdministratorFactory, AdvancedUserFactory, EnvironmentFactory, UserFactory


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
