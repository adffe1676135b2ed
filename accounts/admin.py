from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Invitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "environment",
        "role",
        "is_relationship_manager",
        "is_active",
    ]
    list_filter = ["role", "is_relationship_manager", "is_active", "is_staff", "environment__plan"]
    search_fields = ["email", "first_name", "last_name", "environment__name"]
    list_select_related = ["environment"]
    autocomplete_fields = ["environment"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Environment", {"fields": ("environment", "role", "is_relationship_manager")}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "environment", "role", "password1", "password2")}),
    )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "environment",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["created_at"]
    search_fields = ["email", "environment__name"]
    list_select_related = ["environment", "invited_by"]
    readonly_fields = ["token_hash"]
