from __future__ import annotations

from django.contrib import admin

from authorisations.models import AuthorisationRequest, BulkUpload


@admin.register(AuthorisationRequest)
class AuthorisationRequestAdmin(admin.ModelAdmin):
    list_display = [
        "client_name",
        "kvk_number",
        "environment",
        "status",
        "role",
        "payer",
        "sent_at",
        "expires_at",
    ]
    list_filter = ["status", "role", "payer", "software_package"]
    search_fields = ["client_name", "client_email", "kvk_number", "environment__name"]
    list_select_related = ["environment"]
    readonly_fields = [field.name for field in AuthorisationRequest._meta.fields]


@admin.register(BulkUpload)
class BulkUploadAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "environment",
        "status",
        "total_rows",
        "valid_rows",
        "processed_rows",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["filename", "environment__name"]
    list_select_related = ["environment"]
