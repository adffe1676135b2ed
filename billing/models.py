from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CostAllocation(models.Model):
    """Which environment pays for an organisation's connection to the platform, from when, and
    under which partnership.

    Without an open allocation the organisation's own environment pays. An intermediary that
    takes the cost on gets an open allocation; ending the partnership closes it, which returns the
    cost to the organisation's own environment. Closed rows are the history.
    """

    organisation = models.ForeignKey(
        "environments.Organisation", on_delete=models.CASCADE, related_name="cost_allocations"
    )
    payer = models.ForeignKey(
        "environments.Environment", on_delete=models.PROTECT, related_name="paid_allocations"
    )
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cost_allocations",
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(ended_at__isnull=True),
                name="one_open_cost_allocation_per_organisation",
            ),
        ]
        indexes = [
            models.Index(fields=["payer", "ended_at"]),
            models.Index(fields=["partnership", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} paid by {self.payer_id}"
