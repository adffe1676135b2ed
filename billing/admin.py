from __future__ import annotations

from django.contrib import admin

from billing.models import CostAllocation


@admin.register(CostAllocation)
class CostAllocationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "payer", "partnership", "started_at", "ended_at", "end_reason"]
    list_filter = ["ended_at"]
    search_fields = ["organisation__name", "organisation__kvk_number", "payer__name"]
    list_select_related = ["organisation", "payer", "partnership"]
