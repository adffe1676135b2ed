"""Reads of the audit log, with the environment filter built in."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from environments.models import Environment


def _concerning(environment: Environment) -> Q:
    return Q(environment=environment) | Q(other_environment=environment)


def audit_events_for(*, environment: Environment, action: str = "") -> QuerySet[AuditEvent]:
    """The events that concern ``environment``: its own, and cross-environment ones where it is
    the other side. Newest first."""
    events = AuditEvent.objects.filter(_concerning(environment))
    if action:
        events = events.filter(action=action)
    return events.select_related("environment", "other_environment", "organisation").order_by(
        "-occurred_at", "-id"
    )


def audit_actions_for(*, environment: Environment) -> list[str]:
    """The distinct actions in the environment's log, for the filter."""
    return list(
        AuditEvent.objects.filter(_concerning(environment))
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
