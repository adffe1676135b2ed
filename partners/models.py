from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartnershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class PartnershipOrigin(models.TextChoices):
    RELATIONSHIP_REQUEST = "relationship_request", _("Relationship request")
    AUTHORISATION_REQUEST = "authorisation_request", _("Authorisation request")
    PLATFORM_STAFF = "platform_staff", _("Platform staff")


class Partnership(models.Model):
    """A symmetrical link between two environments; gives nobody access by itself.

    The pair is stored in a canonical order (environment_a_id < environment_b_id) so that one
    partial unique constraint keeps at most one active partnership per pair.
    """

    environment_a = models.ForeignKey(
        "environments.Environment", on_delete=models.PROTECT, related_name="partnerships_as_a"
    )
    environment_b = models.ForeignKey(
        "environments.Environment", on_delete=models.PROTECT, related_name="partnerships_as_b"
    )
    status = models.CharField(
        max_length=10, choices=PartnershipStatus.choices, default=PartnershipStatus.ACTIVE
    )
    origin = models.CharField(max_length=30, choices=PartnershipOrigin.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(environment_a__lt=F("environment_b")), name="partnership_pair_in_canonical_order"
            ),
            models.UniqueConstraint(
                fields=["environment_a", "environment_b"],
                condition=Q(status="active"),
                name="one_active_partnership_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.environment_a_id} ↔ {self.environment_b_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == PartnershipStatus.ACTIVE

    def other_environment_id(self, environment_id: int) -> int:
        return self.environment_b_id if environment_id == self.environment_a_id else self.environment_a_id
