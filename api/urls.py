from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import views

app_name = "api"
urlpatterns = [
    # Public on purpose: software vendors read the schema and docs before they have a key.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/documents/incoming/", views.IncomingDocumentList.as_view(), name="incoming_documents"),
    path("v1/documents/<int:pk>/", views.DocumentDetail.as_view(), name="document_detail"),
    path("v1/documents/<int:pk>/ubl/", views.DocumentUbl.as_view(), name="document_ubl"),
    path("v1/documents/<int:pk>/downloaded/", views.DocumentDownloaded.as_view(), name="document_downloaded"),
    path("v1/invoices/", views.InvoiceSubmit.as_view(), name="invoice_submit"),
    path("v1/invoices/ubl/", views.InvoiceSubmitUbl.as_view(), name="invoice_submit_ubl"),
    path("v1/invoices/<int:pk>/status/", views.InvoiceStatusView.as_view(), name="invoice_status"),
]
