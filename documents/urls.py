from __future__ import annotations

from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("documents/", views.invoice_list, name="invoice_list"),
    path("clients/", views.client_list, name="client_list"),
    path(
        "organisations/<int:pk>/documents/",
        views.organisation_invoice_list,
        name="organisation_invoice_list",
    ),
    path("organisations/<int:pk>/documents/new/", views.invoice_create, name="invoice_create"),
    path("organisations/<int:pk>/documents/upload/", views.invoice_upload, name="invoice_upload"),
    path("documents/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("documents/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("documents/<int:pk>/send/", views.invoice_send_view, name="invoice_send"),
    path("documents/<int:pk>/ubl/", views.invoice_ubl, name="invoice_ubl"),
]
