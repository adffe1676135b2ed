from __future__ import annotations

from django.urls import path

from environments import views

app_name = "environments"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create_view, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/members/", views.organisation_members, name="organisation_members"),
    path(
        "organisations/<int:pk>/members/add/", views.organisation_member_add, name="organisation_member_add"
    ),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/role/",
        views.organisation_member_change,
        name="organisation_member_change",
    ),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.organisation_member_remove,
        name="organisation_member_remove",
    ),
    # Settings
    path("settings/subscription/", views.subscription, name="subscription"),
    path("settings/subscription/change/<slug:code>/", views.subscription_change, name="subscription_change"),
    path("settings/environment/", views.environment_settings, name="environment_settings"),
]
