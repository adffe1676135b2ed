"""Permission helpers for user management: only administrators, only their own environment.

A user of another environment (or one that does not exist) is Http404; a role below
administrator is PermissionDenied, whatever the pk, so it learns nothing about other users.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import EnvironmentRole, Invitation, User
from environments.models import Environment
from environments.permissions import require_role


def require_environment_administrator(*, user: User) -> Environment:
    return require_role(user=user, minimum=EnvironmentRole.ADMINISTRATOR)


def access_environment_user(*, user: User, pk: int) -> User:
    """A user of the administrator's own environment, or Http404."""
    environment = require_environment_administrator(user=user)
    target = User.objects.select_related("environment__plan").filter(pk=pk, environment=environment).first()
    if target is None:
        raise Http404
    return target


def access_invitation(*, user: User, pk: int) -> Invitation:
    """An invitation of the administrator's own environment, or Http404."""
    environment = require_environment_administrator(user=user)
    invitation = (
        Invitation.objects.select_related("environment", "invited_by")
        .filter(pk=pk, environment=environment)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
