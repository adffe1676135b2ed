from __future__ import annotations

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("settings/audit-log/", views.event_list, name="event_list"),
]
