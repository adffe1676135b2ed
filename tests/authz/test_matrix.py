from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from accounts.models import User
from tests.actors import ACTORS, World
from tests.authz.matrix import LOGIN, OK, Route

# Patterns that belong to libraries with their own access rules, exempt by namespace or name.
EXEMPT_NAMESPACES = {"admin"}
EXEMPT_NAME_PREFIXES = ("account_", "mfa_")
EXEMPT_NAMES = {"schema-redoc", "schema-swagger-ui"}


def _all_routes() -> list[Route]:
    routes: list[Route] = []
    for module_info in pkgutil.iter_modules(tests.authz.__path__):
        if module_info.name.startswith("routes_"):
            module = importlib.import_module(f"tests.authz.{module_info.name}")
            routes.extend(module.ROUTES)
    return routes


ROUTES = _all_routes()


def _pattern_names(resolver: URLResolver, namespace: str = "") -> list[str | None]:
    names: list[str | None] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in EXEMPT_NAMESPACES:
                continue
            names.extend(_pattern_names(pattern, inner))
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name}" if pattern.name else None)
    return names


def _is_exempt(name: str) -> bool:
    bare = name.rsplit(":", 1)[-1]
    return bare.startswith(EXEMPT_NAME_PREFIXES) or bare in EXEMPT_NAMES


def test_every_url_pattern_is_in_the_matrix() -> None:
    names = _pattern_names(get_resolver())
    assert None not in names, "every URL pattern needs a name so the matrix can list it"
    in_matrix = {route.name for route in ROUTES}
    missing = sorted({name for name in names if name and not _is_exempt(name)} - in_matrix)
    assert not missing, f"URL patterns missing from the authorization matrix: {missing}"


def test_matrix_names_only_existing_patterns() -> None:
    names = set(_pattern_names(get_resolver()))
    stale = sorted({route.name for route in ROUTES} - names)
    assert not stale, f"matrix routes that no longer exist: {stale}"


CASES = [pytest.param(route, actor, id=f"{route.id}-{actor}") for route in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("route", "actor"), CASES)
def test_authorization_matrix(
    route: Route, actor: str, world: World, client_for: Callable[[User | None], Client]
) -> None:
    url = reverse(route.name, kwargs=route.kwargs(world)) + route.query
    client = client_for(None if actor == "anonymous" else world[actor])
    response = getattr(client, route.method)(url, data=route.data(world))
    expected = route.expected[actor]
    location = response.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in location, (
            response.status_code,
            location,
        )
    elif expected == OK:
        assert response.status_code < 400, response.status_code
        assert "/accounts/login/" not in location, location
    else:
        assert response.status_code == expected, (response.status_code, location)
