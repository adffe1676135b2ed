"""Reads about users and invitations, with the environment filter built in."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Invitation, User
from environments.models import Environment


def environment_users(*, environment: Environment, search: str = "") -> QuerySet[User]:
    users = User.objects.filter(environment=environment)
    if search:
        users = users.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    # Active users first, then by name: what an administrator scans for.
    return users.order_by("-is_active", "first_name", "last_name", "email")


def invitations_open(*, environment: Environment) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked: pending ones and expired ones (which can be resent)."""
    return (
        Invitation.objects.filter(environment=environment, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def environment_active_user_count(*, environment: Environment) -> int:
    return User.objects.filter(environment=environment, is_active=True).count()
