from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import User
from audit.models import AuditEvent
from environments.models import Environment, Organisation


def audit_record(
    *,
    actor: User | None,
    action: str,
    environment: Environment,
    target: models.Model,
    other_environment: Environment | None = None,
    organisation: Organisation | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_repr=actor.email if actor is not None else "system",
        action=action,
        environment=environment,
        other_environment=other_environment,
        organisation=organisation,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        data=data or {},
    )


def audit_event_build(
    *,
    actor: User | None,
    action: str,
    environment: Environment,
    target: models.Model,
    other_environment: Environment | None = None,
    organisation: Organisation | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for writing many at once with ``audit_record_many``."""
    return AuditEvent(
        actor=actor,
        actor_repr=actor.email if actor is not None else "system",
        action=action,
        environment=environment,
        other_environment=other_environment,
        organisation=organisation,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        data=data or {},
    )


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write many events in one query (bulk changes such as ending a partnership). Call it inside
    the transaction of the change they record."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)
