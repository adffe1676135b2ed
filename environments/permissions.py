"""Permission helpers: load what the user may reach, or raise.

Another environment's object raises Http404 exactly like a missing one, so a user never learns
that it exists. Inside the user's own environment, a role that is too low is a PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from accounts.models import EnvironmentRole, User
from environments.models import (
    ORGANISATION_ROLE_PERMISSIONS,
    Environment,
    Organisation,
    OrganisationRole,
    OrganisationUserObjectPermission,
)

ALL_ORGANISATION_PERMISSIONS = ORGANISATION_ROLE_PERMISSIONS[OrganisationRole.ADMINISTRATOR]


def require_environment(*, user: User) -> Environment:
    """The user's home environment; platform staff without one see 404 on tenant pages."""
    if not user.is_authenticated or user.environment is None:
        raise Http404
    return user.environment


def require_role(*, user: User, minimum: EnvironmentRole) -> Environment:
    environment = require_environment(user=user)
    if user.role < minimum:
        raise PermissionDenied
    return environment


def access_organisation(*, user: User, pk: int, permission: str = "view_organisation") -> Organisation:
    """The organisation if ``user`` holds ``permission`` on it; Http404 otherwise.

    Administrators of the organisation's environment hold every permission implicitly; anyone
    else needs the guardian object permission that a membership service assigned.
    """
    organisation = (
        Organisation.objects.select_related("environment", "environment__plan").filter(pk=pk).first()
    )
    if organisation is None or not user.is_authenticated:
        raise Http404
    if user.is_environment_administrator and organisation.environment_id == user.environment_id:
        return organisation
    granted = OrganisationUserObjectPermission.objects.filter(
        user=user, content_object_id=organisation.pk, permission__codename=permission
    ).exists()
    if not granted:
        raise Http404
    return organisation


class OrganisationPermissions:
    """One prefetched guardian checker per request: permission checks on many organisations
    without a query per row."""

    def __init__(self, *, user: User, organisations: Iterable[Organisation]) -> None:
        self.user = user
        self.organisations = list(organisations)
        self.checker = ObjectPermissionChecker(user)
        if self.organisations:
            self.checker.prefetch_perms(self.organisations)  # type: ignore[arg-type]  # accepts any iterable

    def has(self, permission: str, organisation: Organisation) -> bool:
        if self.user.is_environment_administrator and organisation.environment_id == self.user.environment_id:
            return True
        return self.checker.has_perm(permission, organisation)

    def granted(self, organisation: Organisation) -> set[str]:
        return {codename for codename in ALL_ORGANISATION_PERMISSIONS if self.has(codename, organisation)}
