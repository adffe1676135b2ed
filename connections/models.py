from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SoftwarePackage(models.TextChoices):
    EXACT_ONLINE = "exact_online", "Exact Online"
    TWINFIELD = "twinfield", "Twinfield"
    YUKI = "yuki", "Yuki"
    SNELSTART = "snelstart", "SnelStart"
    AFAS = "afas", "AFAS"
    MONEYBIRD = "moneybird", "Moneybird"
    E_BOEKHOUDEN = "e_boekhouden", "e-Boekhouden"
    VISMA = "visma", "Visma"
    OTHER = "other", _("Other")


class ConnectionStatus(models.TextChoices):
    AWAITING_KEY = "awaiting_key", _("Awaiting key")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class SoftwareConnection(models.Model):
    """An accounting package linked to one organisation; it authenticates with a ConnectionKey."""

    organisation = models.ForeignKey(
        "environments.Organisation", on_delete=models.CASCADE, related_name="software_connections"
    )
    package = models.CharField(_("software package"), max_length=20, choices=SoftwarePackage.choices)
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("Optional, e.g. the package's name for Other.")
    )
    status = models.CharField(
        max_length=15, choices=ConnectionStatus.choices, default=ConnectionStatus.AWAITING_KEY
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delegated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The partner user an accepted authorisation request prepared this connection for: they may "
            "retrieve its key while they can reach the organisation, whatever their organisation role."
        ),
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "package", "label"],
                condition=~Q(status="revoked"),
                name="one_live_connection_per_package_and_label",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        name = self.get_package_display()
        return f"{name} ({self.label})" if self.label else str(name)

    @property
    def is_revoked(self) -> bool:
        return self.status == ConnectionStatus.REVOKED


class ConnectionKey(models.Model):
    """The credential of a software connection: a public app key and a secret of 256 bits from
    ``secrets``, stored only as its SHA-256 hash.

    ``partnership`` is set when the user who retrieved the key reached the organisation through a
    partnership; ending it revokes the key. At most one key per connection is live.
    """

    connection = models.ForeignKey(SoftwareConnection, on_delete=models.CASCADE, related_name="keys")
    app_key = models.CharField(max_length=40, unique=True)
    secret_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connection_keys",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_key_per_connection",
            ),
        ]
        indexes = [
            models.Index(
                fields=["partnership"], condition=Q(revoked_at__isnull=True), name="live_keys_by_partnership"
            )
        ]

    def __str__(self) -> str:
        return self.app_key

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
