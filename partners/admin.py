from __future__ import annotations

from django.contrib import admin

from partners.models import Partnership, RelationshipManagerLink, RelationshipRequest


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["id", "environment_a", "environment_b", "status", "origin", "created_at", "ended_at"]
    list_filter = ["status", "origin"]
    search_fields = ["environment_a__name", "environment_b__name"]
    list_select_related = ["environment_a", "environment_b"]


@admin.register(RelationshipRequest)
class RelationshipRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "from_environment", "to_environment", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["from_environment__name", "to_environment__name"]
    list_select_related = ["from_environment", "to_environment"]
    exclude = ["token_hash"]
    readonly_fields = ["from_environment", "to_environment", "sent_by", "decided_by", "partnership"]


@admin.register(RelationshipManagerLink)
class RelationshipManagerLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "partnership", "connected_at", "disconnected_at"]
    list_select_related = ["user", "partnership"]
    raw_id_fields = ["user", "partnership", "connected_by", "disconnected_by"]
