from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models import SoftwarePackage
from environments.models import OrganisationRole, kvk_validator


class AuthorisationRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Payer(models.TextChoices):
    INTERMEDIARY = "intermediary", _("Our environment pays")
    CLIENT = "client", _("The client pays")


class BulkUploadStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class BulkUpload(models.Model):
    """A CSV of clients: first a validated preview, then (once confirmed) one request per good row."""

    environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, related_name="bulk_uploads"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=BulkUploadStatus.choices, default=BulkUploadStatus.PREVIEW
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.total_rows} rows)"

    @property
    def progress_percent(self) -> int:
        if not self.valid_rows:
            return 100
        return min(100, round(100 * self.processed_rows / self.valid_rows))


class AuthorisationRequest(models.Model):
    """An intermediary's request to a client: "let us work for you".

    Accepting it forms (or reuses) the partnership, gives the requester the granted role on the
    client's organisation, prepares the software connection and records who pays, in one step.
    """

    environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, related_name="authorisation_requests_sent"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_name = models.CharField(_("client name"), max_length=200)
    client_email = models.EmailField(_("client email"))
    kvk_number = models.CharField(_("KvK number"), max_length=8, validators=[kvk_validator])
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    software_package = models.CharField(_("software package"), max_length=30, choices=SoftwarePackage.choices)
    role = models.PositiveSmallIntegerField(_("role asked for"), choices=OrganisationRole.choices)
    payer = models.CharField(_("who pays"), max_length=12, choices=Payer.choices, default=Payer.CLIENT)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        max_length=10, choices=AuthorisationRequestStatus.choices, default=AuthorisationRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_environment = models.ForeignKey(
        "environments.Environment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "environments.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_role = models.PositiveSmallIntegerField(choices=OrganisationRole.choices, null=True, blank=True)
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authorisation_requests",
    )
    bulk_upload = models.ForeignKey(
        BulkUpload, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "kvk_number"],
                condition=Q(status="pending"),
                name="one_pending_authorisation_request_per_client_kvk",
            ),
        ]
        indexes = [
            models.Index(fields=["environment", "status", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} ({self.kvk_number}) from {self.environment_id}"


class AuthorisationLink(models.Model):
    """One emailed link of a request. Resending makes a new link and supersedes the old one, so
    an old email shows "replaced by a newer email" rather than a bare error."""

    request = models.ForeignKey(AuthorisationRequest, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(superseded_at__isnull=True), name="one_live_link_per_request"
            ),
        ]

    def __str__(self) -> str:
        return f"link for {self.request_id}"


class BulkUploadRow(models.Model):
    """One line of an uploaded CSV, with what was wrong with it or the request it became."""

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="rows")
    line_number = models.PositiveIntegerField()
    client_name = models.CharField(max_length=200, blank=True)
    client_email = models.CharField(max_length=254, blank=True)
    kvk_number = models.CharField(max_length=50, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    software_package = models.CharField(max_length=50, blank=True)
    role = models.CharField(max_length=30, blank=True)
    payer = models.CharField(max_length=30, blank=True)
    errors = models.JSONField(default=list, blank=True)
    request = models.OneToOneField(
        AuthorisationRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="bulk_row"
    )
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["line_number"]
        constraints = [models.UniqueConstraint(fields=["upload", "line_number"], name="one_row_per_line")]
        indexes = [models.Index(fields=["upload", "request"])]

    def __str__(self) -> str:
        return f"line {self.line_number} of {self.upload_id}"

    @property
    def board_status(self) -> str:
        """The row's status on the status board: the request's, or failed/invalid/queued."""
        if self.errors:
            return "invalid"
        if self.failure:
            return "failed"
        if self.request is None:
            return "queued"
        if self.request.status == AuthorisationRequestStatus.PENDING:
            return "sent"
        return str(self.request.status)
