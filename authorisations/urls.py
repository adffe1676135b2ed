from __future__ import annotations

from django.urls import path

from authorisations import views

app_name = "authorisations"
urlpatterns = [
    path("partners/authorisation-requests/", views.request_list, name="list"),
    path("partners/authorisation-requests/new/", views.request_create, name="create"),
    path("partners/authorisation-requests/<int:pk>/", views.request_detail, name="detail"),
    path("partners/authorisation-requests/<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("partners/authorisation-requests/<int:pk>/resend/", views.request_resend, name="resend"),
    path("partners/authorisation-requests/bulk/", views.bulk_list, name="bulk_list"),
    path("partners/authorisation-requests/bulk/new/", views.bulk_create, name="bulk_create"),
    path("partners/authorisation-requests/bulk/<int:pk>/", views.bulk_detail, name="bulk_detail"),
    path(
        "partners/authorisation-requests/bulk/<int:pk>/progress/", views.bulk_progress, name="bulk_progress"
    ),
    path("partners/authorisation-requests/bulk/<int:pk>/confirm/", views.bulk_confirm, name="bulk_confirm"),
    path(
        "partners/authorisation-requests/bulk/<int:pk>/resend-expired/",
        views.bulk_resend_expired,
        name="bulk_resend_expired",
    ),
    path("authorise/<str:token>/", views.respond, name="respond"),
    path("authorise/<str:token>/accept/", views.respond_accept, name="respond_accept"),
    path("authorise/<str:token>/decline/", views.respond_decline, name="respond_decline"),
    path("authorise/<str:token>/signup/", views.respond_signup, name="respond_signup"),
]
