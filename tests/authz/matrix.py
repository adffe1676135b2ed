"""The authorization matrix: for every URL pattern, what each kind of actor gets.

Each app lists its routes in a ``routes_<app>.py`` module beside this one (``ROUTES``), so the
matrix grows with the project without one shared file to edit. test_matrix.py tries every route
as every actor, and fails when a URL pattern of the project has no route here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.actors import ACTORS, World

OK = "ok"  # a 2xx, or a redirect that is not to the login page
LOGIN = "login"  # a redirect to the login page

Outcome = str | int


def expect(default: Outcome = 404, **overrides: Outcome) -> dict[str, Outcome]:
    """Outcomes for every actor: anonymous and inactive users are sent to the login page
    unless said otherwise; everyone else gets ``default`` unless overridden."""
    outcomes: dict[str, Outcome] = dict.fromkeys(ACTORS, default)
    outcomes["anonymous"] = LOGIN
    outcomes["inactive"] = LOGIN
    outcomes.update(overrides)
    return outcomes


# Common shapes.
EVERY_SIGNED_IN_USER = dict.fromkeys(
    [
        "basic",
        "advanced",
        "admin",
        "org_member",
        "org_admin",
        "partner_member",
        "partner_no_access",
        "former_partner",
        "foreign",
    ],
    OK,
)


@dataclass(frozen=True)
class Route:
    name: str  # the URL pattern's name, with its namespace: "environments:organisation_detail"
    expected: Mapping[str, Outcome]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    query: str = ""

    def __post_init__(self) -> None:
        missing = set(ACTORS) - set(self.expected)
        assert not missing, f"{self.name}: no outcome for {sorted(missing)}"

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"
