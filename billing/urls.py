from __future__ import annotations

from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("settings/billing/", views.billing, name="billing"),
    path("settings/billing/export.csv", views.billing_export, name="billing_export"),
]
