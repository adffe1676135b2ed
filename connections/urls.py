from __future__ import annotations

from django.urls import path

from connections import views

app_name = "connections"
urlpatterns = [
    path("organisations/<int:pk>/connections/", views.connection_list, name="connection_list"),
    path("organisations/<int:pk>/connections/new/", views.connection_create_view, name="connection_create"),
    path("connections/<int:pk>/", views.connection_detail, name="connection_detail"),
    path("connections/<int:pk>/key/", views.connection_key_issue_view, name="connection_key_issue"),
    path("connections/<int:pk>/revoke/", views.connection_revoke_view, name="connection_revoke"),
]
