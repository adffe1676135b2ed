from __future__ import annotations

from django.contrib import admin

from partners.models import Partnership


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["id", "environment_a", "environment_b", "status", "origin", "created_at", "ended_at"]
    list_filter = ["status", "origin"]
    search_fields = ["environment_a__name", "environment_b__name"]
    list_select_related = ["environment_a", "environment_b"]
