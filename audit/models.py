from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


def audit_action_label(action: str) -> str:
    """A readable label for an action code: "user.role_changed" reads "User role changed"."""
    return action.replace(".", " ").replace("_", " ").capitalize()


class AuditEvent(models.Model):
    """Who did what, on what, when. Written in the same transaction as the change it records.

    An event concerns one environment and, for cross-environment actions, a second one; both
    sides see it in their audit log.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_repr = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, related_name="audit_events"
    )
    other_environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "environments.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["environment", "-occurred_at"]),
            models.Index(fields=["other_environment", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.target_repr}"

    @property
    def action_label(self) -> str:
        return audit_action_label(self.action)
