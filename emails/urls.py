from __future__ import annotations

from django.urls import path

from emails import views

app_name = "emails"
urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("<int:pk>/", views.mailbox_message, name="mailbox_message"),
]
