from __future__ import annotations

from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("find/", views.find, name="find"),
    path("find/listing/", views.directory_listing, name="directory_listing"),
    path("find/<int:environment_pk>/request/", views.request_create, name="request_create"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/link/<str:token>/", views.request_link, name="request_link"),
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership_detail"),
    path("partnerships/<int:pk>/end/", views.partnership_end_view, name="partnership_end"),
    path("relationship-managers/", views.relationship_managers, name="relationship_managers"),
    path(
        "relationship-managers/connect/",
        views.relationship_manager_connect_view,
        name="relationship_manager_connect",
    ),
    path(
        "relationship-managers/links/<int:pk>/disconnect/",
        views.relationship_manager_disconnect_view,
        name="relationship_manager_disconnect",
    ),
]
