from __future__ import annotations

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from environments.models import (
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationUserObjectPermission,
    Plan,
    SubscriptionChange,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "monthly_price",
        "price_per_connection",
        "max_organisations",
        "has_partnerships",
        "has_authorisation_requests",
        "has_bulk_authorisation_requests",
        "is_default",
    ]
    list_filter = ["has_partnerships", "is_default"]
    search_fields = ["name", "code"]


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk_number", "plan", "listed_in_directory", "created_at"]
    list_filter = ["plan", "listed_in_directory"]
    search_fields = ["name", "kvk_number"]
    list_select_related = ["plan"]


@admin.register(SubscriptionChange)
class SubscriptionChangeAdmin(admin.ModelAdmin):
    list_display = ["environment", "from_plan", "to_plan", "changed_by", "changed_at"]
    list_filter = ["to_plan", "changed_at"]
    search_fields = ["environment__name"]
    list_select_related = ["environment", "from_plan", "to_plan", "changed_by"]


@admin.register(Organisation)
class OrganisationAdmin(GuardedModelAdmin):
    list_display = ["name", "kvk_number", "vat_number", "peppol_id", "environment", "created_at"]
    list_filter = ["environment__plan", "created_at"]
    search_fields = ["name", "kvk_number", "peppol_id", "environment__name"]
    list_select_related = ["environment"]
    autocomplete_fields = ["environment"]


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(admin.ModelAdmin):
    """Read-only: memberships are written by services so the guardian permissions stay in step."""

    list_display = ["user", "organisation", "role", "partnership", "granted_by", "granted_at", "ends_at"]
    list_filter = ["role", "granted_at"]
    search_fields = ["user__email", "organisation__name", "organisation__kvk_number"]
    list_select_related = ["user", "organisation", "granted_by", "partnership"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OrganisationUserObjectPermission)
class OrganisationUserObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["user", "content_object", "permission"]
    search_fields = ["user__email", "content_object__name"]
    list_select_related = ["user", "content_object", "permission"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
