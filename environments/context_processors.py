from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs to show only the entries the user can use."""
    user = getattr(request, "user", None)
    environment = getattr(user, "environment", None) if user is not None and user.is_authenticated else None
    return {
        "current_environment": environment,
        "nav_is_admin": bool(environment and user.is_environment_administrator),  # type: ignore[union-attr]
        "nav_is_advanced": bool(environment and user.is_at_least_advanced),  # type: ignore[union-attr]
        "nav_has_partnerships": bool(environment and environment.plan.has_partnerships),
        "debug_mailbox": settings.DEBUG,
    }
