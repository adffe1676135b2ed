from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from environments import views as environment_views

urlpatterns = [
    path("", environment_views.dashboard, name="dashboard"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("environments.urls")),
    path("", include("audit.urls")),
    path("partners/", include("partners.urls")),
    path("", include("authorisations.urls")),
    path("", include("billing.urls")),
    path("dev/mailbox/", include("emails.urls")),
    path("", include("documents.urls")),
    path("", include("connections.urls")),
    path("api/", include("api.urls")),
]
