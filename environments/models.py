from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

kvk_validator = RegexValidator(r"^\d{8}$", _("A KvK number has exactly 8 digits."))
peppol_id_validator = RegexValidator(
    r"^\d{4}:[A-Za-z0-9.\-_]{1,50}$", _("A Peppol participant id looks like 0106:12345678.")
)


class PlanFeature(models.TextChoices):
    PARTNERSHIPS = "partnerships", _("Partnerships")
    RELATIONSHIP_MANAGERS = "relationship_managers", _("Relationship managers")
    AUTHORISATION_REQUESTS = "authorisation_requests", _("Authorisation requests")
    BULK_AUTHORISATION_REQUESTS = "bulk_authorisation_requests", _("Bulk authorisation requests")


class Plan(models.Model):
    """A subscription plan. Plans are data; their features are checked in environments/plans.py."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    price_per_connection = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("Monthly price for each organisation connection this environment pays for."),
    )
    max_organisations = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: unlimited."))
    max_users = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: unlimited."))
    api_requests_per_minute = models.PositiveIntegerField(default=60)
    has_partnerships = models.BooleanField(default=False)
    has_relationship_managers = models.BooleanField(default=False)
    has_authorisation_requests = models.BooleanField(default=False)
    has_bulk_authorisation_requests = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False, help_text=_("The plan new environments start on."))
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has_feature(self, feature: str) -> bool:
        return bool(getattr(self, f"has_{feature}"))


class Environment(models.Model):
    """A tenant: one company's space on the platform."""

    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True, validators=[kvk_validator])
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="environments")
    listed_in_directory = models.BooleanField(
        _("listed in the partner directory"),
        default=True,
        help_text=_("Other environments can find this one under Partners > Find partners."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kvk_number"]), models.Index(fields=["listed_in_directory", "name"])]

    def __str__(self) -> str:
        return self.name


class SubscriptionChange(models.Model):
    """History of plan changes: who moved the environment from which plan to which, and when."""

    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="subscription_changes"
    )
    from_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    to_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.environment_id}: {self.from_plan_id} → {self.to_plan_id}"


class Organisation(models.Model):
    """A legal entity inside an environment that sends and receives invoices."""

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, validators=[kvk_validator])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    peppol_id = models.CharField(_("Peppol participant id"), max_length=60, validators=[peppol_id_validator])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        permissions = [
            ("manage_documents", "View, create and send the organisation's documents"),
            ("manage_members", "Add and remove the organisation's members"),
            ("manage_connections", "Manage software connections and connection keys"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["environment", "kvk_number"], name="unique_kvk_per_environment"),
        ]
        indexes = [models.Index(fields=["peppol_id"]), models.Index(fields=["kvk_number"])]

    def __str__(self) -> str:
        return self.name


class OrganisationRole(models.IntegerChoices):
    MEMBER = 10, _("Member")
    ADMINISTRATOR = 20, _("Administrator")


# The guardian permissions each organisation role carries; membership services assign exactly these.
ORGANISATION_ROLE_PERMISSIONS: dict[int, tuple[str, ...]] = {
    OrganisationRole.MEMBER: ("view_organisation", "manage_documents"),
    OrganisationRole.ADMINISTRATOR: (
        "view_organisation",
        "manage_documents",
        "manage_members",
        "manage_connections",
    ),
}


class OrganisationMembership(models.Model):
    """A user's role on an organisation, with who granted it, when and under which partnership.

    The access itself is enforced by the guardian permissions that environments.services writes
    alongside this row; this row is the record that explains them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.PositiveSmallIntegerField(choices=OrganisationRole.choices, default=OrganisationRole.MEMBER)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("Set when the user belongs to a partner environment."),
    )
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_user_and_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.organisation_id} ({self.get_role_display()})"


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"])]


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)
