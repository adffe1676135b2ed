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


class RelationshipRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class RelationshipRequest(models.Model):
    """One environment asking another to form a partnership (Partners > Find partners).

    The emailed link carries a token of which only the SHA-256 hash is stored. At most one
    request per ordered pair is pending at a time (partial unique constraint); once it is
    accepted, declined, withdrawn or expired the link stops working.
    """

    from_environment = models.ForeignKey(
        "environments.Environment", on_delete=models.PROTECT, related_name="relationship_requests_sent"
    )
    to_environment = models.ForeignKey(
        "environments.Environment", on_delete=models.PROTECT, related_name="relationship_requests_received"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        max_length=10, choices=RelationshipRequestStatus.choices, default=RelationshipRequestStatus.PENDING
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relationship_requests",
        help_text=_("The partnership the acceptance formed or joined."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_environment=F("to_environment")),
                name="relationship_request_between_two_environments",
            ),
            models.UniqueConstraint(
                fields=["from_environment", "to_environment"],
                condition=Q(status="pending"),
                name="one_pending_relationship_request_per_ordered_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["to_environment", "status"]),
            models.Index(fields=["from_environment", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_environment_id} → {self.to_environment_id} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        """The status a user should see: a pending request past its expiry is expired even
        before the periodic job has marked it."""
        if self.status == RelationshipRequestStatus.PENDING and self.is_expired:
            return RelationshipRequestStatus.EXPIRED
        return self.status

    @property
    def is_open(self) -> bool:
        return self.effective_status == RelationshipRequestStatus.PENDING

    def get_effective_status_display(self) -> str:
        return str(RelationshipRequestStatus(self.effective_status).label)


class RelationshipManagerLink(models.Model):
    """A relationship manager connected to a partnership, on their own environment's side.

    Links are closed (``disconnected_at``), never deleted, so the history of who coordinated a
    partnership stays. At most one open link per partnership and user.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="relationship_manager_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relationship_manager_links"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["connected_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "user"],
                condition=Q(disconnected_at__isnull=True),
                name="one_open_relationship_manager_link_per_partnership_and_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "disconnected_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ partnership {self.partnership_id}"

    @property
    def is_connected(self) -> bool:
        return self.disconnected_at is None
